import COpenBLAS

/// Process-wide OpenBLAS settings, applied once before the first matrix product.
enum BLASRuntime {
    /// log2 of the TSC ticks an idle OpenBLAS worker busy-waits before sleeping: 2^20,
    /// about 0.4 ms at 2.6 GHz. Between the products of one batch the worker keeps
    /// spinning, so a batch pays no wake-ups it would notice; but OpenBLAS's default
    /// (2^28, about 0.1 s) keeps the worker calling `sched_yield` through the whole pause
    /// between batches, where on a 2-core machine it takes a core from the HTTP server
    /// and clients that must deliver the next batch (a fifth of all CPU in
    /// `rec bench titan-local`'s HTTP run). `OPENBLAS_THREAD_TIMEOUT` set by the user wins.
    static let idleSpinLog2Cycles: Int32 = 20

    /// Evaluated by everything that calls BLAS before its first call (Swift runs a
    /// static initialiser once, thread-safely), so no product is in flight while
    /// OpenBLAS restarts its threads.
    static let configured: Void = copenblas_limit_idle_spin(idleSpinLog2Cycles)
}
