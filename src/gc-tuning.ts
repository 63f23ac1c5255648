// Imported first by src/main.ts, so that it applies before the service's code is loaded: V8 is told not to
// decide, per allocation site, to allocate straight into the old generation ("pretenuring").
//
// V8 pretenures a site once most of its objects survive a young-generation GC. A read of 100 keys keeps its
// 1,000 result objects, its Redis commands and replies alive across a scavenge, so their sites were marked
// long-lived; from then on every read's objects, a read of one key's too, went straight to the old generation,
// where they die: measured at batch 1 on one connection (2026-11-26, `--trace-gc`), 0.8 MB per scavenge moved
// to the old generation, a mark-compact every 3 s, and every scavenge took 2.3 ms instead of 0.8 (the old
// objects' pointers to young strings are roots it must visit). That was the batch-1 p99. Without pretenuring,
// the old generation stops growing and no mark-compact ran in 20 s.
//
// v8.setFlagsFromString after start is allowed for flags V8 reads while running; this one is read when a
// site's feedback is processed and when code that allocates is compiled, which is all after this line.
import v8 from 'node:v8';

v8.setFlagsFromString('--no-allocation-site-pretenuring');
