/*
 * The per-pixel passes of CLAHE (AdaptiveEqualization.swift): the value channel max(R, G, B), the
 * tile histograms, the blend of the four nearest tile tables, and the rescale back to colour.
 * Each has a scalar version and an AVX-512 one (16 pixels at a time, VBMI byte permutes for
 * interleaved pixels) that performs the same IEEE operations in the same order, so both give the
 * same bytes; contraction into fused multiply-adds is off for that reason.
 */
#include <immintrin.h>
#include "image_kernels.h"

#pragma STDC FP_CONTRACT OFF

int ik_portable_forced(void);

static int has_avx512_vbmi(void) {
    return !ik_portable_forced() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi");
}

/* Byte indices that gather channel c of 16 pixels into lane group c (16 bytes each). */
static void deinterleave_order(uint8_t order[64], int channels) {
    for (int i = 0; i < 64; i++) {
        int c = i / 16, j = i % 16;
        order[i] = (uint8_t)(c < 3 ? j * channels + c : 0);
    }
}

/* The inverse, for permutex2var(packed, order, original): alpha and bytes past 16 pixels come
   from the original (indices 64 and up). */
static void interleave_order(uint8_t order[64], int channels) {
    for (int p = 0; p < 64; p++) {
        int c = p % channels, j = p / channels;
        order[p] = (uint8_t)(c < 3 && j < 16 ? c * 16 + j : 64 + p);
    }
}

/* ---- the value channel ---- */

__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t value_avx512(const uint8_t *pixels, size_t count, int channels, uint8_t *out) {
    uint8_t order_bytes[64];
    deinterleave_order(order_bytes, channels);
    const __m512i order = _mm512_loadu_si512(order_bytes);
    const size_t bytes = count * (size_t)channels;
    size_t i = 0;
    for (; i * channels + 64 <= bytes; i += 16) {
        __m512i planes = _mm512_permutexvar_epi8(order, _mm512_loadu_si512(pixels + i * channels));
        __m128i r = _mm512_castsi512_si128(planes), g = _mm512_extracti32x4_epi32(planes, 1),
                b = _mm512_extracti32x4_epi32(planes, 2);
        _mm_storeu_si128((__m128i *)(out + i), _mm_max_epu8(r, _mm_max_epu8(g, b)));
    }
    return i;
}

void ik_max_of_channels(const uint8_t *pixels, size_t count, int channels, uint8_t *out) {
    size_t i = has_avx512_vbmi() ? value_avx512(pixels, count, channels, out) : 0;
    for (; i < count; i++) {
        const uint8_t *p = pixels + i * channels;
        uint8_t top = p[0] > p[1] ? p[0] : p[1];
        out[i] = top > p[2] ? top : p[2];
    }
}

/* ---- tile histograms ---- */

void ik_clahe_histogram(const uint16_t *bins, int width, const int32_t *rows, int row_count,
                        const int32_t *cols, int col_count, int32_t *hist) {
    for (int r = 0; r < row_count; r++) {
        const uint16_t *row = bins + (size_t)rows[r] * width;
        for (int c = 0; c < col_count; c++) hist[row[cols[c]]]++;
    }
}

/* ---- the blend ---- */

static inline uint16_t blend_one(const ik_clahe_row *row, int x) {
    int bin = row->bins[x];
    double fc = row->col_frac[x], fr = row->row_frac;
    double a = 1.0 - fc, b = 1.0 - fr;
    float t00 = (float)((double)row->lut0[row->col_offset0[x] + bin] * (a * b));
    float t01 = (float)((double)row->lut0[row->col_offset1[x] + bin] * (fc * b));
    float t10 = (float)((double)row->lut1[row->col_offset0[x] + bin] * (a * fr));
    float t11 = (float)((double)row->lut1[row->col_offset1[x] + bin] * (fc * fr));
    float acc = t00;
    acc = acc + t01;
    acc = acc + t10;
    acc = acc + t11;
    return (uint16_t)acc;
}

/* Eight of the sixteen lanes: the four weighted taps in double, rounded to float, summed. */
__attribute__((target("avx512f")))
static inline __m256i blend_half(__m256i v00, __m256i v01, __m256i v10, __m256i v11, __m512d fc, __m512d b,
                                 __m512d fr) {
    const __m512d a = _mm512_sub_pd(_mm512_set1_pd(1.0), fc);
    __m256 t00 = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(v00), _mm512_mul_pd(a, b)));
    __m256 t01 = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(v01), _mm512_mul_pd(fc, b)));
    __m256 t10 = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(v10), _mm512_mul_pd(a, fr)));
    __m256 t11 = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(v11), _mm512_mul_pd(fc, fr)));
    __m256 acc = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(t00, t01), t10), t11);
    return _mm256_cvttps_epi32(acc);
}

__attribute__((target("avx512f,avx512bw")))
static int blend_avx512(const ik_clahe_row *row, int width, uint16_t *out, uint16_t *lo, uint16_t *hi) {
    const __m512d fr = _mm512_set1_pd(row->row_frac), b = _mm512_set1_pd(1.0 - row->row_frac);
    __m512i low = _mm512_set1_epi32(0xFFFF), high = _mm512_setzero_si512();
    int x = 0;
    for (; x + 16 <= width; x += 16) {
        __m512i bin = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(row->bins + x)));
        __m512i i0 = _mm512_add_epi32(_mm512_loadu_si512(row->col_offset0 + x), bin);
        __m512i i1 = _mm512_add_epi32(_mm512_loadu_si512(row->col_offset1 + x), bin);
        __m512i v00 = _mm512_i32gather_epi32(i0, row->lut0, 4), v01 = _mm512_i32gather_epi32(i1, row->lut0, 4);
        __m512i v10 = _mm512_i32gather_epi32(i0, row->lut1, 4), v11 = _mm512_i32gather_epi32(i1, row->lut1, 4);
        __m256i first = blend_half(_mm512_castsi512_si256(v00), _mm512_castsi512_si256(v01),
                                   _mm512_castsi512_si256(v10), _mm512_castsi512_si256(v11),
                                   _mm512_loadu_pd(row->col_frac + x), b, fr);
        __m256i second = blend_half(_mm512_extracti64x4_epi64(v00, 1), _mm512_extracti64x4_epi64(v01, 1),
                                    _mm512_extracti64x4_epi64(v10, 1), _mm512_extracti64x4_epi64(v11, 1),
                                    _mm512_loadu_pd(row->col_frac + x + 8), b, fr);
        __m512i sums = _mm512_inserti64x4(_mm512_castsi256_si512(first), second, 1);
        low = _mm512_min_epu32(low, sums);
        high = _mm512_max_epu32(high, sums);
        _mm256_storeu_si256((__m256i *)(out + x), _mm512_cvtepi32_epi16(sums));
    }
    uint32_t l = _mm512_reduce_min_epu32(low), h = _mm512_reduce_max_epu32(high);
    if (l < *lo) *lo = (uint16_t)l;
    if (h > *hi) *hi = (uint16_t)h;
    return x;
}

void ik_clahe_blend_row(const ik_clahe_row *row, int width, uint16_t *out, uint16_t *lo, uint16_t *hi) {
    int x = has_avx512_vbmi() ? blend_avx512(row, width, out, lo, hi) : 0;
    for (; x < width; x++) {
        uint16_t v = blend_one(row, x);
        out[x] = v;
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
}

/* ---- back to colour ---- */

static inline uint8_t round_half_even(double v) {
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    /* 2^52: the integer lands in the low mantissa bits, rounded half to even. */
    union { double d; uint64_t u; } bits = {v + 4503599627370496.0};
    return (uint8_t)bits.u;
}

__attribute__((target("avx512f")))
static inline __m512d round_lanes(__m512d v) {
    v = _mm512_min_pd(_mm512_max_pd(v, _mm512_setzero_pd()), _mm512_set1_pd(255.0));
    return _mm512_roundscale_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* One channel of 16 pixels: round(k * c), or round(value) where the pixel is black. */
__attribute__((target("avx512f,avx512bw")))
static inline __m128i scale_channel(__m128i channel, __m512d k0, __m512d k1, __m512d value0, __m512d value1,
                                    __mmask8 black0, __mmask8 black1) {
    __m512i wide = _mm512_cvtepu8_epi32(channel);
    __m512d c0 = _mm512_cvtepi32_pd(_mm512_castsi512_si256(wide)), c1 = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(wide, 1));
    __m512d r0 = round_lanes(_mm512_mask_blend_pd(black0, _mm512_mul_pd(k0, c0), value0));
    __m512d r1 = round_lanes(_mm512_mask_blend_pd(black1, _mm512_mul_pd(k1, c1), value1));
    __m512i ints = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtpd_epi32(r0)), _mm512_cvtpd_epi32(r1), 1);
    return _mm512_cvtepi32_epi8(ints);
}

__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t restore_avx512(uint8_t *pixels, size_t count, int channels, const uint16_t *eq, const double *scaled) {
    uint8_t split_bytes[64], join_bytes[64];
    deinterleave_order(split_bytes, channels);
    interleave_order(join_bytes, channels);
    const __m512i split = _mm512_loadu_si512(split_bytes), join = _mm512_loadu_si512(join_bytes);
    const __m512d one = _mm512_set1_pd(1.0);
    const size_t bytes = count * (size_t)channels;
    size_t i = 0;
    for (; i * channels + 64 <= bytes; i += 16) {
        uint8_t *p = pixels + i * channels;
        __m512i original = _mm512_loadu_si512(p);
        __m512i planes = _mm512_permutexvar_epi8(split, original);
        __m128i r = _mm512_castsi512_si128(planes), g = _mm512_extracti32x4_epi32(planes, 1),
                b = _mm512_extracti32x4_epi32(planes, 2);
        __m512i top = _mm512_cvtepu8_epi32(_mm_max_epu8(r, _mm_max_epu8(g, b)));
        __m512i index = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(eq + i)));
        __m512d value0 = _mm512_i32gather_pd(_mm512_castsi512_si256(index), scaled, 8);
        __m512d value1 = _mm512_i32gather_pd(_mm512_extracti64x4_epi64(index, 1), scaled, 8);
        __m512d top0 = _mm512_cvtepi32_pd(_mm512_castsi512_si256(top)), top1 = _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(top, 1));
        __mmask8 black0 = _mm512_cmp_pd_mask(top0, _mm512_setzero_pd(), _CMP_EQ_OQ);
        __mmask8 black1 = _mm512_cmp_pd_mask(top1, _mm512_setzero_pd(), _CMP_EQ_OQ);
        /* value * (1 / top), as the scalar path: two roundings, not one division. */
        __m512d k0 = _mm512_mul_pd(value0, _mm512_div_pd(one, top0)), k1 = _mm512_mul_pd(value1, _mm512_div_pd(one, top1));
        __m128i nr = scale_channel(r, k0, k1, value0, value1, black0, black1);
        __m128i ng = scale_channel(g, k0, k1, value0, value1, black0, black1);
        __m128i nb = scale_channel(b, k0, k1, value0, value1, black0, black1);
        __m512i packed = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(nr), ng, 1), nb, 2);
        /* All 64 bytes go back: past 16 pixels (3 channels) and alpha they are the bytes just read. */
        _mm512_storeu_si512(p, _mm512_permutex2var_epi8(packed, join, original));
    }
    return i;
}

void ik_clahe_restore_colour(uint8_t *pixels, size_t count, int channels, const uint16_t *eq, const double *scaled) {
    size_t i = has_avx512_vbmi() ? restore_avx512(pixels, count, channels, eq, scaled) : 0;
    for (; i < count; i++) {
        uint8_t *p = pixels + i * channels;
        double value = scaled[eq[i]];
        uint8_t top = p[0] > p[1] ? p[0] : p[1];
        top = top > p[2] ? top : p[2];
        if (top == 0) {
            uint8_t grey = round_half_even(value);
            p[0] = p[1] = p[2] = grey;
        } else {
            double k = value * (1.0 / (double)top);
            p[0] = round_half_even(k * (double)p[0]);
            p[1] = round_half_even(k * (double)p[1]);
            p[2] = round_half_even(k * (double)p[2]);
        }
    }
}
