// Imported first by src/main.ts, so that it applies before the service's code is loaded: V8 is told not to
// decide, per allocation site, to allocate straight into the old generation ("pretenuring").
//
// V8 pretenures a site once nearly all of its objects it sampled survive a young-generation GC. One large
// request (a write of 1,000 rows, a read of 100 keys) keeps a hundred objects of one site alive across a
// scavenge, which is enough: `--trace-pretenuring` shows sites going "undecided => tenure" at a survival ratio
// of 1.0 over 100 objects. From then on the site allocates in the old generation, where a small request's
// objects die too. Measured at batch 1 on one connection (2026-11-26, `--trace-gc`): 0.8 MB moved to the old
// generation per scavenge, a mark-compact every 3 s, and every scavenge took 2.3 ms instead of 0.8 (old objects
// pointing at young ones are roots it must visit): that was the batch-1 p99. Without pretenuring the old
// generation stopped growing, and no mark-compact ran in 20 s.
//
// v8.setFlagsFromString after start is allowed for flags V8 reads while running; this one is read when a
// site's feedback is processed and when code that allocates is compiled, which is all after this line.
import v8 from 'node:v8';

v8.setFlagsFromString('--no-allocation-site-pretenuring');
