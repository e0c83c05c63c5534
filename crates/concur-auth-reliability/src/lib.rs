//! Proofs that concur-auth keeps the refresh token under crashes, contention and
//! faults. The tests live in `tests/`; `stress-worker` is the separate process
//! they start, kill and count.
