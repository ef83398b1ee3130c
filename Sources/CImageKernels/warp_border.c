/*
 * Reflect and wrap samples whose coordinates fall outside the source: scipy's map_coordinate
 * and tap remapping (ni_interpolation.c, v1.17.1; SEMANTICS.md §2.5), in doubles, exactly. The
 * vector version maps four samples at once with the same operations (divisions, truncations,
 * floors and comparisons are exact in every lane), so it gives the scalar version's bytes.
 */
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include "warp_border.h"

/* Every value must come out the same on every CPU: no fused multiply-add. */
#pragma STDC FP_CONTRACT OFF

int ik_portable_forced(void);

/* ---- scipy's boundary arithmetic (ni_interpolation.c, v1.17.1), for samples outside [0, n-1] ---- */

/* map_coordinate for reflect, wrap (period n-1) and grid-wrap (period n); mirror for tap remapping. */
static double map_coordinate(double in, int n, ik_boundary mode) {
    double len = (double)n;
    if (n <= 1) return 0.0;
    if (mode == IK_GRID_WRAP) {
        double r = fmod(in, len);
        if (r < 0) r += len;
        return r >= len ? 0.0 : r;
    }
    if (in < 0) {
        if (mode == IK_REFLECT) {
            double sz2 = 2.0 * len;
            if (in < -sz2) in = sz2 * (double)(long)(-in / sz2) + in;
            if (in < -len) return in + sz2;
            return (in > -1e-15 ? 1e-15 : -in) - 1.0;
        }
        /* wrap */
        double sz = len - 1.0;
        return in + sz * ((double)(long)(-in / sz) + 1.0);
    }
    if (in > len - 1.0) {
        if (mode == IK_REFLECT) {
            double sz2 = 2.0 * len;
            if (in >= sz2) in -= sz2 * (double)(long)(in / sz2); /* below sz2 the quotient truncates to 0 */
            return in >= len ? sz2 - in - 1.0 : in;
        }
        double sz = len - 1.0;
        return in - sz * (double)(long)(in / sz);
    }
    return in;
}

static long mirror_index(long i, int n) {
    if (n <= 1) return 0;
    double in = (double)i, len = (double)n, sz2 = 2.0 * len - 2.0;
    if (in < 0) {
        in = sz2 * (double)(long)(-in / sz2) + in;
        return (long)(in <= 1.0 - len ? in + sz2 : -in);
    }
    if (in > len - 1.0) {
        in -= sz2 * (double)(long)(in / sz2);
        return (long)(in >= len ? sz2 - in : in);
    }
    return i;
}

/* An out-of-range tap index, remapped with scipy's spline boundary mode for order 1. */
static long remap_tap(long i, int n, ik_boundary mode) {
    if (i >= 0 && i < n) return i;
    if (n <= 1) return 0;
    switch (mode) {
    case IK_REFLECT: return (long)map_coordinate((double)i, n, IK_REFLECT);
    case IK_GRID_WRAP: {
        long r = i % n;
        return r < 0 ? r + n : r;
    }
    default: return mirror_index(i, n); /* wrap (and constant) use mirror */
    }
}

static void axis_taps(double cc, int n, ik_boundary mode, long *i0, long *i1, double *w0, double *w1) {
    cc = map_coordinate(cc, n, mode);
    double start = floor(cc);
    *w0 = 1.0 - (cc - start);
    *w1 = 1.0 - *w0;
    long s = start < -2.0 ? -2 : (start > (double)n + 1.0 ? n + 1 : (long)start);
    *i0 = s;
    *i1 = s + 1;
    if (*i0 < 0 || *i1 >= n) {
        *i0 = remap_tap(*i0, n, mode);
        *i1 = remap_tap(*i1, n, mode);
    }
}

/* A reflect/wrap sample with any coordinate outside [0, n-1]: scipy's exact double arithmetic. */
void ik_border_sample(const ik_source *s, ik_boundary mode, double y, double x, float values[4]) {
    long r0, r1, q0, q1;
    double wr0, wr1, wc0, wc1;
    axis_taps(y, s->height, mode, &r0, &r1, &wr0, &wr1);
    axis_taps(x, s->width, mode, &q0, &q1, &wc0, &wc1);
    int ch = s->channels;
    const uint8_t *p00 = s->pixels + r0 * s->stride + q0 * ch, *p01 = s->pixels + r0 * s->stride + q1 * ch;
    const uint8_t *p10 = s->pixels + r1 * s->stride + q0 * ch, *p11 = s->pixels + r1 * s->stride + q1 * ch;
    for (int k = 0; k < ch; k++) {
        double t = (double)p00[k] * wr0 * wc0;
        t += (double)p01[k] * wr0 * wc1;
        t += (double)p10[k] * wr1 * wc0;
        t += (double)p11[k] * wr1 * wc1;
        values[k] = (float)t;
    }
}

/* ---- four samples at once ---- */

/* (double)(long)(a / b), lane for lane. */
__attribute__((target("avx2")))
static inline __m256d truncated_quotient(__m256d a, __m256d b) {
    return _mm256_round_pd(_mm256_div_pd(a, b), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
}

/* map_coordinate for reflect or wrap, lane for lane. Divisions are skipped where every lane's
   quotient is known to truncate to the same small integer (they are slow and seldom needed). */
__attribute__((target("avx2")))
static inline __m256d map_lanes(__m256d in, int n, ik_boundary mode) {
    const __m256d len = _mm256_set1_pd((double)n), one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    const __m256d below = _mm256_cmp_pd(in, zero, _CMP_LT_OQ);
    const __m256d above = _mm256_cmp_pd(in, _mm256_sub_pd(len, one), _CMP_GT_OQ);
    __m256d low, high;
    if (mode == IK_REFLECT) {
        const __m256d sz2 = _mm256_mul_pd(_mm256_set1_pd(2.0), len);
        __m256d l = in;
        __m256d far_below = _mm256_cmp_pd(l, _mm256_sub_pd(zero, sz2), _CMP_LT_OQ);
        if (_mm256_movemask_pd(far_below)) {
            __m256d folded = _mm256_add_pd(_mm256_mul_pd(sz2, truncated_quotient(_mm256_sub_pd(zero, l), sz2)), l);
            l = _mm256_blendv_pd(l, folded, far_below);
        }
        __m256d near = _mm256_blendv_pd(_mm256_sub_pd(zero, l), _mm256_set1_pd(1e-15),
                                        _mm256_cmp_pd(l, _mm256_set1_pd(-1e-15), _CMP_GT_OQ));
        low = _mm256_blendv_pd(_mm256_sub_pd(near, one), _mm256_add_pd(l, sz2),
                               _mm256_cmp_pd(l, _mm256_sub_pd(zero, len), _CMP_LT_OQ));
        __m256d h = in;
        __m256d far_above = _mm256_cmp_pd(h, sz2, _CMP_GE_OQ);
        if (_mm256_movemask_pd(far_above)) {
            __m256d reduced = _mm256_sub_pd(h, _mm256_mul_pd(sz2, truncated_quotient(h, sz2)));
            h = _mm256_blendv_pd(h, reduced, far_above);
        }
        high = _mm256_blendv_pd(h, _mm256_sub_pd(_mm256_sub_pd(sz2, h), one), _mm256_cmp_pd(h, len, _CMP_GE_OQ));
    } else { /* wrap, period n-1 */
        const __m256d sz = _mm256_sub_pd(len, one), half = _mm256_mul_pd(sz, _mm256_set1_pd(0.5));
        /* Within half a period of the edge the truncated quotient is 0 below and 1 above. */
        __m256d turns = _mm256_movemask_pd(_mm256_and_pd(below, _mm256_cmp_pd(in, _mm256_sub_pd(zero, half), _CMP_LE_OQ)))
                            ? truncated_quotient(_mm256_sub_pd(zero, in), sz) : zero;
        low = _mm256_add_pd(in, _mm256_mul_pd(sz, _mm256_add_pd(turns, one)));
        __m256d periods = _mm256_movemask_pd(_mm256_and_pd(above, _mm256_cmp_pd(in, _mm256_add_pd(sz, half), _CMP_GE_OQ)))
                              ? truncated_quotient(in, sz) : one;
        high = _mm256_sub_pd(in, _mm256_mul_pd(sz, periods));
    }
    return _mm256_blendv_pd(_mm256_blendv_pd(in, high, above), low, below);
}

/* Tap indices -1 and n (or -2 and n+1) remapped as remap_tap does, for axes of 8 or more. */
__attribute__((target("avx2")))
static inline __m128i remap_lanes(__m128i i, int n, ik_boundary mode) {
    const __m128i zero = _mm_setzero_si128(), last = _mm_set1_epi32(n - 1);
    /* reflect: -i-1 and 2n-1-i; mirror (wrap): -i and 2n-2-i */
    const int edge = mode == IK_REFLECT ? 1 : 0;
    __m128i low = _mm_sub_epi32(_mm_set1_epi32(-edge), i);
    __m128i high = _mm_sub_epi32(_mm_set1_epi32(2 * n - 2 + edge), i);
    i = _mm_blendv_epi8(i, low, _mm_cmplt_epi32(i, zero));
    return _mm_blendv_epi8(i, high, _mm_cmpgt_epi32(i, last));
}

/* axis_taps, lane for lane. */
__attribute__((target("avx2")))
static inline void axis_lanes(__m256d cc, int n, ik_boundary mode, __m128i *i0, __m128i *i1, __m256d *w0,
                              __m256d *w1, int *outside) {
    const __m256d one = _mm256_set1_pd(1.0);
    *outside = _mm256_movemask_pd(_mm256_or_pd(_mm256_cmp_pd(cc, _mm256_setzero_pd(), _CMP_LT_OQ),
                                               _mm256_cmp_pd(cc, _mm256_set1_pd((double)(n - 1)), _CMP_GT_OQ)));
    cc = map_lanes(cc, n, mode);
    __m256d start = _mm256_floor_pd(cc);
    *w0 = _mm256_sub_pd(one, _mm256_sub_pd(cc, start));
    *w1 = _mm256_sub_pd(one, *w0);
    start = _mm256_min_pd(_mm256_max_pd(start, _mm256_set1_pd(-2.0)), _mm256_set1_pd((double)n + 1.0));
    __m128i s = _mm256_cvttpd_epi32(start);
    *i0 = remap_lanes(s, n, mode);
    *i1 = remap_lanes(_mm_add_epi32(s, _mm_set1_epi32(1)), n, mode);
}

/* The bytes of one pixel (and whatever follows, up to 4), never reading past the buffer. */
static inline uint32_t pixel_word(const ik_source *s, const uint8_t *p) {
    uint32_t word = 0;
    size_t available = (size_t)(s->pixels + s->size - p);
    if (__builtin_expect(available >= 4, 1)) {
        memcpy(&word, p, 4); /* one load */
    } else {
        memcpy(&word, p, available);
    }
    return word;
}

__attribute__((target("avx2")))
static void border_quad(const ik_source *s, ik_boundary mode, const double ys[4], const double xs[4], uint32_t words[4]) {
    __m128i r0, r1, q0, q1;
    __m256d wr0, wr1, wc0, wc1;
    __m256d y = _mm256_loadu_pd(ys), x = _mm256_loadu_pd(xs);
    int rows_outside, cols_outside;
    axis_lanes(y, s->height, mode, &r0, &r1, &wr0, &wr1, &rows_outside);
    axis_lanes(x, s->width, mode, &q0, &q1, &wc0, &wc1, &cols_outside);
    const int ch = s->channels;
    /* Each tap's pixel as one 32-bit word per lane (channel k in bits 8k..8k+7): gathered, unless
       a 4-byte read of some tap could pass the buffer's end (the last pixel of 3 channels). */
    __m128i taps[4];
    const __m128i stride = _mm_set1_epi32((int)s->stride), channels = _mm_set1_epi32(ch);
    __m128i offsets[4] = {
        _mm_add_epi32(_mm_mullo_epi32(r0, stride), _mm_mullo_epi32(q0, channels)),
        _mm_add_epi32(_mm_mullo_epi32(r0, stride), _mm_mullo_epi32(q1, channels)),
        _mm_add_epi32(_mm_mullo_epi32(r1, stride), _mm_mullo_epi32(q0, channels)),
        _mm_add_epi32(_mm_mullo_epi32(r1, stride), _mm_mullo_epi32(q1, channels)),
    };
    /* Fetch the taps of these columns some output rows on, as the interior kernels do: the
       border's taps walk a slant through the source too, backwards along a reflected axis. */
    if (s->ahead_rows | s->ahead_cols) {
        int o[4];
        _mm_storeu_si128((__m128i *)o, offsets[0]);
        for (int lane = 0; lane < 4; lane++) {
            int back_rows = mode == IK_REFLECT && (rows_outside >> lane & 1), back_cols = mode == IK_REFLECT && (cols_outside >> lane & 1);
            ptrdiff_t on = (ptrdiff_t)(back_rows ? -s->ahead_rows : s->ahead_rows) * s->stride +
                           (ptrdiff_t)(back_cols ? -s->ahead_cols : s->ahead_cols) * ch;
            _mm_prefetch((const char *)((uintptr_t)s->pixels + (uintptr_t)(intptr_t)(o[lane] + on)), _MM_HINT_T0);
        }
    }
    const __m128i last_word = _mm_set1_epi32((int)(s->size - 4));
    __m128i past = _mm_or_si128(_mm_or_si128(_mm_cmpgt_epi32(offsets[0], last_word), _mm_cmpgt_epi32(offsets[1], last_word)),
                                _mm_or_si128(_mm_cmpgt_epi32(offsets[2], last_word), _mm_cmpgt_epi32(offsets[3], last_word)));
    if (_mm_testz_si128(past, past)) {
        for (int t = 0; t < 4; t++) taps[t] = _mm_i32gather_epi32((const int *)s->pixels, offsets[t], 1);
    } else {
        for (int t = 0; t < 4; t++) {
            int o[4];
            _mm_storeu_si128((__m128i *)o, offsets[t]);
            taps[t] = _mm_setr_epi32((int)pixel_word(s, s->pixels + o[0]), (int)pixel_word(s, s->pixels + o[1]),
                                     (int)pixel_word(s, s->pixels + o[2]), (int)pixel_word(s, s->pixels + o[3]));
        }
    }
    const __m128i byte = _mm_set1_epi32(0xFF);
    __m128i packed = _mm_setzero_si128();
    for (int k = 0; k < ch; k++) {
        const __m128i shift = _mm_cvtsi32_si128(8 * k);
        __m256d v00 = _mm256_cvtepi32_pd(_mm_and_si128(_mm_srl_epi32(taps[0], shift), byte));
        __m256d v01 = _mm256_cvtepi32_pd(_mm_and_si128(_mm_srl_epi32(taps[1], shift), byte));
        __m256d v10 = _mm256_cvtepi32_pd(_mm_and_si128(_mm_srl_epi32(taps[2], shift), byte));
        __m256d v11 = _mm256_cvtepi32_pd(_mm_and_si128(_mm_srl_epi32(taps[3], shift), byte));
        __m256d t = _mm256_mul_pd(_mm256_mul_pd(v00, wr0), wc0);
        t = _mm256_add_pd(t, _mm256_mul_pd(_mm256_mul_pd(v01, wr0), wc1));
        t = _mm256_add_pd(t, _mm256_mul_pd(_mm256_mul_pd(v10, wr1), wc0));
        t = _mm256_add_pd(t, _mm256_mul_pd(_mm256_mul_pd(v11, wr1), wc1));
        /* round_byte in lanes: clip, then the default rounding (half to even) */
        __m128 f = _mm_min_ps(_mm_max_ps(_mm256_cvtpd_ps(t), _mm_setzero_ps()), _mm_set1_ps(255.0f));
        packed = _mm_or_si128(packed, _mm_sll_epi32(_mm_cvtps_epi32(f), shift));
    }
    _mm_storeu_si128((__m128i *)words, packed);
}

void ik_border_lanes(const ik_source *s, ik_boundary mode, double row_base, double col_base, double a01,
                     double a11, int c, int lanes, uint32_t packed[8]) {
    /* The lane formulas of remap_lanes hold for axes of 8 samples or more. */
    int vector = (mode == IK_REFLECT || mode == IK_WRAP) && s->width >= 8 && s->height >= 8 && !ik_portable_forced() &&
                 __builtin_cpu_supports("avx2");
    for (int quad = 0; quad < 8; quad += 4) {
        if (!((lanes >> quad) & 0xF)) continue;
        if (vector) {
            double ys[4], xs[4];
            for (int k = 0; k < 4; k++) {
                ys[k] = row_base + (double)(c + quad + k) * a01;
                xs[k] = col_base + (double)(c + quad + k) * a11;
            }
            uint32_t words[4];
            border_quad(s, mode, ys, xs, words);
            for (int k = 0; k < 4; k++) if (lanes & (1 << (quad + k))) packed[quad + k] = words[k];
            continue;
        }
        for (int k = quad; k < quad + 4; k++) {
            if (!(lanes & (1 << k))) continue;
            int cc = c + k;
            float values[4] = {0, 0, 0, 0};
            ik_border_sample(s, mode, row_base + (double)cc * a01, col_base + (double)cc * a11, values);
            uint32_t word = 0;
            for (int q = 0; q < s->channels; q++) word |= (uint32_t)round_byte(values[q]) << (8 * q);
            packed[k] = word;
        }
    }
}
