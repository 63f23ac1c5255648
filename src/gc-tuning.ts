// How V8's garbage collector is set for the service, which makes a young generation of request-sized garbage.
// Two settings, both measured on the online read (2026-11-26, 2 cores):
// - No pretenuring, set here. This module is imported first by src/main.ts, so that it applies before the
//   service's code is loaded.
// - A young generation twice V8's default (32 MB semi-spaces): `npm start` passes --max-semi-space-size=32 to
//   node, because V8 sizes the young generation when the process starts and this flag cannot be changed from
//   here afterwards (measured: set here it changed nothing). Reads of 100 keys, 16 at a time, keep megabytes
//   alive at every scavenge, and each scavenge copies them; with twice the room half as many scavenges run,
//   and the service's CPU per batch-100 request fell from 5.7-5.9 ms to 4.2-4.5 ms (64 MB did worse: 5.1-5.2).
//   Workers inherit it (node:cluster forks with the primary's flags), and the bench starts the service with
//   the flags of package.json's start script.
//
// Pretenuring: V8 may decide, per allocation site, to allocate straight into the old generation.
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
