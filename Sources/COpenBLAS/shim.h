#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
/* openblas_set_num_threads is declared by OpenBLAS's cblas.h. */

/* Exported by the pthread builds of OpenBLAS (Debian's libopenblas0-pthread),
   not declared in its public headers. */
void openblas_read_env(void);
int blas_thread_init(void);
int blas_thread_shutdown_(void);

/* Sets how long an idle OpenBLAS worker thread busy-waits (sched_yield in a loop)
   for its next matrix product before it sleeps: 2^log2_cycles TSC ticks (OpenBLAS
   clamps to 4...30; its default, 28, is about 0.1 s). OpenBLAS reads
   OPENBLAS_THREAD_TIMEOUT only when its threads start, so this sets the variable
   (unless the user already did) and restarts the threads.
   Must run before any BLAS call is in flight. */
static inline void copenblas_limit_idle_spin(int log2_cycles) {
    char value[12];
    if (getenv("OPENBLAS_THREAD_TIMEOUT") != NULL) return;
    snprintf(value, sizeof value, "%d", log2_cycles);
    setenv("OPENBLAS_THREAD_TIMEOUT", value, 0);
    openblas_read_env();
    blas_thread_shutdown_();
    blas_thread_init();
}
#endif
