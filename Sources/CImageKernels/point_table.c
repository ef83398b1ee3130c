/*
 * Byte maps and pixel reversal, the point operations that move every byte once: a 256-entry
 * table applied to the bytes of an image (alpha, the 4th of 4 channels, passes through), and a
 * row copied in reverse pixel order. With AVX-512 VBMI, 64 bytes take two 128-entry permutes and
 * a blend, and a reversal one byte permute; elsewhere one load and store per byte or pixel. A
 * table is a table and a reversal a reversal: every path gives the same bytes.
 */
#include <immintrin.h>
#include <string.h>
#include "image_kernels.h"

int ik_portable_forced(void);

static int has_vbmi(void) {
    return !ik_portable_forced() && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bw");
}

int ik_fast_byte_maps(void) { return has_vbmi(); }

static void table_portable(const uint8_t *from, uint8_t *to, size_t start, size_t count, int channels,
                           const uint8_t *table) {
    for (size_t i = start; i < count; i++) {
        to[i] = (channels == 4 && (i & 3) == 3) ? from[i] : table[from[i]];
    }
}

__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t table_avx512(const uint8_t *from, uint8_t *to, size_t count, int channels, const uint8_t *table) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    /* bytes 3, 7, 11, ... of each 64 (4-byte pixels start at multiples of 64) keep their value */
    const __mmask64 keep = channels == 4 ? (__mmask64)0x8888888888888888ULL : 0;
    size_t i = 0;
    for (; i + 64 <= count; i += 64) {
        __m512i v = _mm512_loadu_si512(from + i);
        __m512i low = _mm512_permutex2var_epi8(t0, v, t1);  /* index bits 0-6: entries 0-127 */
        __m512i high = _mm512_permutex2var_epi8(t2, v, t3); /* entries 128-255 */
        __m512i mapped = _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high);
        _mm512_storeu_si512(to + i, _mm512_mask_blend_epi8(keep, mapped, v));
    }
    return i;
}

void ik_map_bytes(const uint8_t *from, uint8_t *to, size_t count, int channels, const uint8_t *table) {
    size_t done = has_vbmi() ? table_avx512(from, to, count, channels, table) : 0;
    table_portable(from, to, done, count, channels, table);
}

/* The smallest and the largest lane of 64 bytes, folded in halves. */
__attribute__((target("avx512f,avx512bw")))
static inline void fold_range(__m512i low, __m512i high, uint8_t *lo, uint8_t *hi) {
    __m256i l = _mm256_min_epu8(_mm512_castsi512_si256(low), _mm512_extracti64x4_epi64(low, 1));
    __m256i h = _mm256_max_epu8(_mm512_castsi512_si256(high), _mm512_extracti64x4_epi64(high, 1));
    __m128i l2 = _mm_min_epu8(_mm256_castsi256_si128(l), _mm256_extracti128_si256(l, 1));
    __m128i h2 = _mm_max_epu8(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    l2 = _mm_min_epu8(l2, _mm_srli_si128(l2, 8));
    h2 = _mm_max_epu8(h2, _mm_srli_si128(h2, 8));
    l2 = _mm_min_epu8(l2, _mm_srli_si128(l2, 4));
    h2 = _mm_max_epu8(h2, _mm_srli_si128(h2, 4));
    l2 = _mm_min_epu8(l2, _mm_srli_si128(l2, 2));
    h2 = _mm_max_epu8(h2, _mm_srli_si128(h2, 2));
    l2 = _mm_min_epu8(l2, _mm_srli_si128(l2, 1));
    h2 = _mm_max_epu8(h2, _mm_srli_si128(h2, 1));
    uint8_t l8 = (uint8_t)_mm_cvtsi128_si32(l2), h8 = (uint8_t)_mm_cvtsi128_si32(h2);
    if (l8 < *lo) *lo = l8;
    if (h8 > *hi) *hi = h8;
}

__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t table_range_avx512(const uint8_t *from, uint8_t *to, size_t count, const uint8_t *table, uint8_t *lo,
                                 uint8_t *hi) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    __m512i low = _mm512_set1_epi8((char)*lo), high = _mm512_set1_epi8((char)*hi);
    size_t i = 0;
    for (; i + 64 <= count; i += 64) {
        __m512i v = _mm512_loadu_si512(from + i);
        low = _mm512_min_epu8(low, v);
        high = _mm512_max_epu8(high, v);
        __m512i mapped = _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), _mm512_permutex2var_epi8(t0, v, t1),
                                                _mm512_permutex2var_epi8(t2, v, t3));
        _mm512_storeu_si512(to + i, mapped);
    }
    fold_range(low, high, lo, hi);
    return i;
}

void ik_map_bytes_measuring(const uint8_t *from, uint8_t *to, size_t count, const uint8_t *table, uint8_t *lo,
                            uint8_t *hi) {
    size_t i = has_vbmi() ? table_range_avx512(from, to, count, table, lo, hi) : 0;
    for (; i < count; i++) {
        uint8_t v = from[i];
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
        to[i] = table[v];
    }
}

void ik_apply_table(uint8_t *pixels, size_t count, int channels, const uint8_t *table) {
    ik_map_bytes(pixels, pixels, count, channels, table);
}

/* ---- a row in reverse pixel order ---- */

static void reverse_portable(const uint8_t *from, uint8_t *to, int first, int width, int channels) {
    /* pixels first..width-1 of the source go to width-1-first..0 of the target */
    switch (channels) { /* constant sizes: the copies become plain moves */
    case 1:
        for (int c = first; c < width; c++) to[width - 1 - c] = from[c];
        break;
    case 3:
        for (int c = first; c < width; c++) memcpy(to + (size_t)(width - 1 - c) * 3, from + (size_t)c * 3, 3);
        break;
    default:
        for (int c = first; c < width; c++) memcpy(to + (size_t)(width - 1 - c) * 4, from + (size_t)c * 4, 4);
        break;
    }
}

/* Blocks of 64/channels whole pixels (64, 21 or 16) from the row's start; returns the pixels done. */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static int reverse_avx512(const uint8_t *from, uint8_t *to, int width, int channels) {
    const int per_block = 64 / channels, bytes = per_block * channels;
    /* byte i of a block's output takes byte order[i] of its input: pixels reversed, channels kept */
    static const uint8_t orders[3][64] = {
#define R1(i) (63 - (i))
#define R3(i) ((i) < 63 ? (20 - (i) / 3) * 3 + (i) % 3 : (i))
#define R4(i) ((15 - (i) / 4) * 4 + (i) % 4)
#define ROW(R) R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7), R(8), R(9), R(10), R(11), R(12), R(13), R(14), R(15), \
    R(16), R(17), R(18), R(19), R(20), R(21), R(22), R(23), R(24), R(25), R(26), R(27), R(28), R(29), R(30), R(31), \
    R(32), R(33), R(34), R(35), R(36), R(37), R(38), R(39), R(40), R(41), R(42), R(43), R(44), R(45), R(46), R(47), \
    R(48), R(49), R(50), R(51), R(52), R(53), R(54), R(55), R(56), R(57), R(58), R(59), R(60), R(61), R(62), R(63)
        {ROW(R1)}, {ROW(R3)}, {ROW(R4)}};
#undef ROW
#undef R1
#undef R3
#undef R4
    const uint8_t *order = orders[channels == 1 ? 0 : (channels == 3 ? 1 : 2)];
    const __m512i reverse = _mm512_loadu_si512(order);
    const __mmask64 mask = bytes == 64 ? ~(__mmask64)0 : (((__mmask64)1 << bytes) - 1);
    /* 63 bytes (three channels) go out as a full 64-byte store starting one byte lower, whose
       first byte belongs to a pixel written later: masked stores that miss the cache are several
       times slower on these cores (a 1080p flip took 0.39 ns/px against 0.14 for a table pass). */
    const __m512i shifted = _mm512_permutexvar_epi8(
        _mm512_set_epi8(62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36,
                        35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9,
                        8, 7, 6, 5, 4, 3, 2, 1, 0, 0),
        reverse);
    int c = 0;
    for (; c + per_block <= width; c += per_block) {
        /* a plain load where 64 bytes are inside the row: masked ones that cross cache lines are slow too */
        __m512i v = (c + per_block) * channels + (64 - bytes) <= width * channels
                        ? _mm512_loadu_si512(from + (size_t)c * channels)
                        : _mm512_maskz_loadu_epi8(mask, from + (size_t)c * channels);
        uint8_t *dst = to + (size_t)(width - c - per_block) * channels;
        if (bytes == 64) _mm512_storeu_si512(dst, _mm512_permutexvar_epi8(reverse, v));
        else if (width - c - per_block > 0) _mm512_storeu_si512(dst - 1, _mm512_permutexvar_epi8(shifted, v));
        else _mm512_mask_storeu_epi8(dst, mask, _mm512_permutexvar_epi8(reverse, v));
    }
    return c;
}

void ik_reverse_pixels(const uint8_t *from, uint8_t *to, int width, int channels) {
    int done = has_vbmi() && (channels == 1 || channels == 3 || channels == 4) ? reverse_avx512(from, to, width, channels) : 0;
    reverse_portable(from, to, done, width, channels);
}

/* ---- the smallest and largest byte ---- */

__attribute__((target("avx512f,avx512bw")))
static size_t range_avx512(const uint8_t *bytes, size_t count, uint8_t *lo, uint8_t *hi) {
    __m512i low = _mm512_set1_epi8((char)0xFF), high = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 64 <= count; i += 64) {
        __m512i v = _mm512_loadu_si512(bytes + i);
        low = _mm512_min_epu8(low, v);
        high = _mm512_max_epu8(high, v);
    }
    fold_range(low, high, lo, hi);
    return i;
}

void ik_byte_range(const uint8_t *bytes, size_t count, uint8_t *lo, uint8_t *hi) {
    *lo = 255;
    *hi = 0;
    size_t i = !ik_portable_forced() && __builtin_cpu_supports("avx512bw") && count >= 64 ? range_avx512(bytes, count, lo, hi) : 0;
    for (; i < count; i++) {
        if (bytes[i] < *lo) *lo = bytes[i];
        if (bytes[i] > *hi) *hi = bytes[i];
    }
}

/* ---- the histogram of colour bytes ---- */

void ik_colour_histogram(const uint8_t *pixels, size_t count, int channels, uint32_t counts[256]) {
    /* Four partial histograms, so that runs of one value do not wait on their own increments. */
    uint32_t partial[4][256];
    memset(partial, 0, sizeof partial);
    size_t i = 0;
    if (channels != 4) {
        for (; i + 8 <= count; i += 8) {
            uint64_t w;
            memcpy(&w, pixels + i, 8); /* one load for eight bytes */
            partial[0][w & 0xFF]++;
            partial[1][(w >> 8) & 0xFF]++;
            partial[2][(w >> 16) & 0xFF]++;
            partial[3][(w >> 24) & 0xFF]++;
            partial[0][(w >> 32) & 0xFF]++;
            partial[1][(w >> 40) & 0xFF]++;
            partial[2][(w >> 48) & 0xFF]++;
            partial[3][w >> 56]++;
        }
        for (; i < count; i++) partial[i & 3][pixels[i]]++;
    } else {
        for (; i + 4 <= count; i += 4) {
            uint32_t w;
            memcpy(&w, pixels + i, 4);
            partial[0][w & 0xFF]++;
            partial[1][(w >> 8) & 0xFF]++;
            partial[2][(w >> 16) & 0xFF]++;
        }
    }
    for (int v = 0; v < 256; v++) counts[v] = partial[0][v] + partial[1][v] + partial[2][v] + partial[3][v];
}
