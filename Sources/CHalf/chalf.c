#include "chalf.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,f16c")))
static void widen_f16c(const uint8_t *src, float *dst, size_t n, float divisor) {
    const __m128i swap = _mm_setr_epi8(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
    const __m256 d = _mm256_set1_ps(divisor);
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        __m128i h = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(src + 2 * k)), swap);
        _mm256_storeu_ps(dst + k, _mm256_div_ps(_mm256_cvtph_ps(h), d));
    }
    for (; k < n; k++) {
        uint16_t h = (uint16_t)((src[2 * k] << 8) | src[2 * k + 1]);
        dst[k] = _cvtsh_ss(h) / divisor;
    }
}
#endif

/// IEEE binary16 to binary32, exact (every half is a float).
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000 | (mant << 13);  // inf, NaN
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;  // ±0
    } else {  // subnormal half: normalize
        int e = -1;
        do { e++; mant <<= 1; } while ((mant & 0x400) == 0);
        bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3FF) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void chalf_widen_be_portable(const uint8_t *src, float *dst, size_t n, float divisor) {
    for (size_t k = 0; k < n; k++) dst[k] = half_to_float((uint16_t)((src[2 * k] << 8) | src[2 * k + 1])) / divisor;
}

void chalf_widen_be(const uint8_t *src, float *dst, size_t n, float divisor) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c")) {
        widen_f16c(src, dst, n, divisor);
        return;
    }
#endif
    chalf_widen_be_portable(src, dst, n, divisor);
}
