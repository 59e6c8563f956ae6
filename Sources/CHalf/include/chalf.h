#ifndef CHALF_H
#define CHALF_H

#include <stddef.h>
#include <stdint.h>

/// Widens `n` IEEE half-precision values stored big-endian at `src` (pgvector's halfvec wire order) into
/// floats at `dst`, each divided by `divisor` (1 to widen only). F16C instructions when the CPU has them
/// (8 values per instruction), else an exact scalar conversion; both give the same floats.
void chalf_widen_be(const uint8_t *src, float *dst, size_t n, float divisor);

/// The scalar conversion `chalf_widen_be` falls back to (exposed so tests check it on any CPU).
void chalf_widen_be_portable(const uint8_t *src, float *dst, size_t n, float divisor);

#endif
