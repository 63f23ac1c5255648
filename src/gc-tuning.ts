// How V8's garbage collector is set for the service, which makes a young generation of request-sized garbage.
// Two settings, both measured on the online read (2026-11-26, 2 cores):
// - No pretenuring, set here. This module is imported first by src/main.ts, so that it applies before the
//   service's code is loaded.
// - A young generation four times V8's default (64 MB semi-spaces): `npm start` passes --max-semi-space-size=64
//   to node, because V8 sizes the young generation when the process starts and this flag cannot be changed
//   from here afterwards (measured: set here it changed nothing). A read's objects (stored values, served
//   values, result objects, the answer's pieces: about 2 KB a value) are alive while it is built, so a
//   scavenge that lands in a read of 2,000 values copies megabytes, and with a small young generation the
//   survivors are promoted and collected again as old objects: GC time per value grew with the values per
//   request. Measured in alternating runs (2026-11-27, 100,000 users, 16 connections, batch 100): at 32 MB a
//   read of 100 rows × 20 values cost 6.6 µs of CPU per value, 1.9 ms of it a request in scavenges; at 64 MB
//   3.9 µs, and the 10-value single-entity read 4.0 → 3.6 µs per value. (Against the 16 MB default, 32 MB had
//   taken batch-100 requests of 10 values a row from 5.7 to 4.3 ms.) 128 MB gained nothing more. Workers
//   inherit it (node:cluster forks with the primary's flags), and the bench starts the service with the flags
//   of package.json's start script.
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
