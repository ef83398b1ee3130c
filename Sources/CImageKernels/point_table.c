/*
 * A 256-entry table applied to the bytes of an image (alpha, the 4th of 4 channels, passes
 * through). With AVX-512 VBMI, 64 bytes take two 128-entry permutes and a blend; elsewhere one
 * load and store per byte. A table is a table: every path gives the same bytes.
 */
#include <immintrin.h>
#include <string.h>
#include "image_kernels.h"

int ik_portable_forced(void);

static void table_portable(uint8_t *px, size_t start, size_t count, int channels, const uint8_t *table) {
    for (size_t i = start; i < count; i++) {
        if (channels == 4 && (i & 3) == 3) continue;
        px[i] = table[px[i]];
    }
}

__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t table_avx512(uint8_t *px, size_t count, int channels, const uint8_t *table) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    /* bytes 3, 7, 11, ... of each 64 (4-byte pixels start at multiples of 64) keep their value */
    const __mmask64 keep = channels == 4 ? (__mmask64)0x8888888888888888ULL : 0;
    size_t i = 0;
    for (; i + 64 <= count; i += 64) {
        __m512i v = _mm512_loadu_si512(px + i);
        __m512i low = _mm512_permutex2var_epi8(t0, v, t1);  /* index bits 0-6: entries 0-127 */
        __m512i high = _mm512_permutex2var_epi8(t2, v, t3); /* entries 128-255 */
        __m512i mapped = _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high);
        _mm512_storeu_si512(px + i, _mm512_mask_blend_epi8(keep, mapped, v));
    }
    return i;
}

void ik_apply_table(uint8_t *pixels, size_t count, int channels, const uint8_t *table) {
    size_t done = 0;
    if (!ik_portable_forced() && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw")) {
        done = table_avx512(pixels, count, channels, table);
    }
    table_portable(pixels, done, count, channels, table);
}
