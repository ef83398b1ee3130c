#include "image_kernels.h"
#include "warp_border.h"

/* Every value must come out the same on every CPU: no fused multiply-add. */
#pragma STDC FP_CONTRACT OFF

#include <emmintrin.h>
#include <immintrin.h>
#include <string.h>

typedef struct {
    ptrdiff_t p00;
    float w00, w01, w10, w11;
    int outside;   /* IK_CONSTANT: the sample is cval */
} taps;

/*
 * Taps of one pixel. The top-left tap is clamped to n-2 so that a coordinate of exactly n-1
 * (or a clamped one) takes weight 1 on the last sample and 0 on the one before: the same value
 * scipy gets by remapping the out-of-range second tap.
 */
static inline taps pixel_taps(const ik_source *s, ik_boundary boundary, double y, double x) {
    taps t;
    t.outside = 0;
    double ymax = (double)(s->height - 1), xmax = (double)(s->width - 1);
    if (boundary == IK_NEAREST) {
        y = __builtin_fmin(__builtin_fmax(y, 0.0), ymax);
        x = __builtin_fmin(__builtin_fmax(x, 0.0), xmax);
    } else if (boundary == IK_CONSTANT) {
        if (!(y >= 0.0 && y <= ymax && x >= 0.0 && x <= xmax)) {
            t.outside = 1;
            t.p00 = 0;
            t.w00 = t.w01 = t.w10 = t.w11 = 0.0f;
            return t;
        }
    }
    ptrdiff_t iy = (ptrdiff_t)y, ix = (ptrdiff_t)x; /* non-negative: truncation is floor */
    if (iy > s->height - 2) iy = s->height - 2;
    if (ix > s->width - 2) ix = s->width - 2;
    double w0r = 1.0 - (y - (double)iy), w0c = 1.0 - (x - (double)ix);
    double w1r = 1.0 - w0r, w1c = 1.0 - w0c;
    t.p00 = iy * s->stride + ix * s->channels;
    t.w00 = (float)(w0r * w0c);
    t.w01 = (float)(w0r * w1c);
    t.w10 = (float)(w1r * w0c);
    t.w11 = (float)(w1r * w1c);
    return t;
}

static inline uint8_t trunc_byte(float v) {
    v = v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v);
    return (uint8_t)v;
}

/* Whether a sample needs scipy's boundary mapping (reflect and wrap only). */
static inline int needs_mapping(const ik_source *s, ik_boundary mode, double y, double x) {
    if (mode != IK_REFLECT && mode != IK_WRAP && mode != IK_GRID_WRAP) return 0;
    return !(y >= 0.0 && y <= (double)(s->height - 1) && x >= 0.0 && x <= (double)(s->width - 1));
}

static inline void emit(float v, int k, int channels, void *out, ptrdiff_t o, ik_output kind, const uint8_t *table) {
    uint8_t *out8 = (uint8_t *)out + o;
    switch (kind) {
    case IK_ROUND: out8[k] = round_byte(v); break;
    case IK_TRUNCATE_TABLE: out8[k] = (channels == 4 && k == 3) ? trunc_byte(v) : table[trunc_byte(v)]; break;
    case IK_FLOAT: ((float *)out + o)[k] = v; break;
    }
}

/* Up to 8 bytes from p, never reading past the source buffer. */
static inline uint64_t load8(const ik_source *s, const uint8_t *p) {
    uint64_t word = 0;
    size_t available = (size_t)(s->pixels + s->size - p);
    if (__builtin_expect(available >= 8, 1)) {
        memcpy(&word, p, 8); /* one unaligned load */
    } else {
        memcpy(&word, p, available); /* the last pixels of the buffer */
    }
    return word;
}

static void warp_grey(const ik_source *s, ik_boundary boundary, float cval, double row_base, double col_base,
                      double a01, double a11, int c0, int c1, void *out, ptrdiff_t out_step, ik_output kind,
                      const uint8_t *table) {
    ptrdiff_t stride = s->stride;
    for (int c = c0; c < c1; c++) {
        double y = row_base + (double)c * a01, x = col_base + (double)c * a11;
        ptrdiff_t o = (ptrdiff_t)(c - c0) * out_step;
        if (needs_mapping(s, boundary, y, x)) {
            float values[4];
            ik_border_sample(s, boundary, y, x, values);
            emit(values[0], 0, 1, out, o, kind, table);
            continue;
        }
        taps t = pixel_taps(s, boundary, y, x);
        if (t.outside) {
            emit(cval, 0, 1, out, o, kind, table);
            continue;
        }
        const uint8_t *p = s->pixels + t.p00;
        float a = (float)p[0] * t.w00 + (float)p[stride] * t.w10;
        float b = (float)p[1] * t.w01 + (float)p[stride + 1] * t.w11;
        emit(a + b, 0, 1, out, o, kind, table);
    }
}

/* Stores one pixel's 4 float lanes (channels of them); `wide` allows one 4-byte store. */
static inline void store_pixel(__m128 v, int channels, void *out, ptrdiff_t o, ik_output kind,
                               const uint8_t *table, int wide) {
    if (kind == IK_ROUND) {
        v = _mm_min_ps(_mm_max_ps(v, _mm_setzero_ps()), _mm_set1_ps(255.0f));
        __m128i i32 = _mm_cvtps_epi32(v); /* MXCSR default: round half to even */
        __m128i i16 = _mm_packs_epi32(i32, i32);
        uint32_t packed = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(i16, i16));
        uint8_t *p = (uint8_t *)out + o;
        if (wide || channels == 4) {
            memcpy(p, &packed, 4);
            return;
        }
        p[0] = (uint8_t)packed;
        p[1] = (uint8_t)(packed >> 8);
        p[2] = (uint8_t)(packed >> 16);
        if (channels == 4) p[3] = (uint8_t)(packed >> 24);
        return;
    }
    float lanes[4];
    _mm_storeu_ps(lanes, v);
    for (int k = 0; k < channels; k++) emit(lanes[k], k, channels, out, o, kind, table);
}

static inline __m128 bytes_to_floats(uint32_t word) {
    __m128i bytes = _mm_cvtsi32_si128((int)word);
    __m128i zero = _mm_setzero_si128();
    return _mm_cvtepi32_ps(_mm_unpacklo_epi16(_mm_unpacklo_epi8(bytes, zero), zero));
}

static void warp_colour_sse2(const ik_source *s, ik_boundary boundary, float cval, double row_base,
                             double col_base, double a01, double a11, int c0, int c1, void *out,
                             ptrdiff_t out_step, ik_output kind, const uint8_t *table) {
    int channels = s->channels;
    ptrdiff_t stride = s->stride;
    unsigned shift = (unsigned)channels * 8;
    for (int c = c0; c < c1; c++) {
        double y = row_base + (double)c * a01, x = col_base + (double)c * a11;
        ptrdiff_t o = (ptrdiff_t)(c - c0) * out_step;
        if (needs_mapping(s, boundary, y, x)) {
            float values[4] = {0, 0, 0, 0};
            ik_border_sample(s, boundary, y, x, values);
            store_pixel(_mm_loadu_ps(values), channels, out, o, kind, table, 0);
            continue;
        }
        taps t = pixel_taps(s, boundary, y, x);
        if (t.outside) {
            store_pixel(_mm_set1_ps(cval), channels, out, o, kind, table, 0);
            continue;
        }
        const uint8_t *p = s->pixels + t.p00;
        uint64_t top = load8(s, p), bottom = load8(s, p + stride);
        __m128 a = _mm_add_ps(_mm_mul_ps(bytes_to_floats((uint32_t)top), _mm_set1_ps(t.w00)),
                              _mm_mul_ps(bytes_to_floats((uint32_t)bottom), _mm_set1_ps(t.w10)));
        __m128 b = _mm_add_ps(_mm_mul_ps(bytes_to_floats((uint32_t)(top >> shift)), _mm_set1_ps(t.w01)),
                              _mm_mul_ps(bytes_to_floats((uint32_t)(bottom >> shift)), _mm_set1_ps(t.w11)));
        store_pixel(_mm_add_ps(a, b), channels, out, o, kind, table, 0);
    }
}

/* Two taps of a row in one 256-bit register: lanes 0-3 the left tap, 4-7 the right one. */
__attribute__((target("avx2")))
static inline __m256 load_pair(const ik_source *s, const uint8_t *p, __m128i spread) {
    __m128i bytes;
    if (__builtin_expect(p + 8 <= s->pixels + s->size, 1)) {
        bytes = _mm_loadl_epi64((const __m128i *)p);
    } else {
        bytes = _mm_cvtsi64_si128((long long)load8(s, p));
    }
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_shuffle_epi8(bytes, spread)));
}

/* One pixel with the per-pixel AVX2 body: for blocks the gather path cannot take. */
__attribute__((target("avx2")))
static void warp_pixel_avx2(const ik_source *s, ik_boundary boundary, float cval, double y, double x, void *out,
                            ptrdiff_t o, ik_output kind, const uint8_t *table, __m128i spread, int wide) {
    if (needs_mapping(s, boundary, y, x)) {
        float values[4] = {0, 0, 0, 0};
        ik_border_sample(s, boundary, y, x, values);
        store_pixel(_mm_loadu_ps(values), s->channels, out, o, kind, table, 0);
        return;
    }
    taps t = pixel_taps(s, boundary, y, x);
    if (t.outside) {
        store_pixel(_mm_set1_ps(cval), s->channels, out, o, kind, table, 0);
        return;
    }
    const uint8_t *p = s->pixels + t.p00;
    __m256 top = _mm256_mul_ps(load_pair(s, p, spread), _mm256_setr_m128(_mm_set1_ps(t.w00), _mm_set1_ps(t.w01)));
    __m256 bottom = _mm256_mul_ps(load_pair(s, p + s->stride, spread),
                                  _mm256_setr_m128(_mm_set1_ps(t.w10), _mm_set1_ps(t.w11)));
    __m256 sum = _mm256_add_ps(top, bottom); /* lanes 0-3: a, lanes 4-7: b */
    __m128 v = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    store_pixel(v, s->channels, out, o, kind, table, wide);
}

/* Coordinates, taps and weights of 4 pixels, lane for lane the operations of pixel_taps. */
__attribute__((target("avx2")))
static inline void quad_taps(const ik_source *s, ik_boundary boundary, __m256d y, __m256d x, __m128i *iy,
                             __m128i *ix, __m128 w[4], int *outside) {
    const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d ymax = _mm256_set1_pd((double)(s->height - 1)), xmax = _mm256_set1_pd((double)(s->width - 1));
    *outside = 0;
    if (boundary == IK_NEAREST) {
        y = _mm256_min_pd(_mm256_max_pd(y, zero), ymax);
        x = _mm256_min_pd(_mm256_max_pd(x, zero), xmax);
    } else if (boundary != IK_INSIDE) {
        /* constant: lanes outside are cval; reflect/wrap: lanes outside take scipy's mapping */
        __m256d in = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(y, zero, _CMP_GE_OQ), _mm256_cmp_pd(y, ymax, _CMP_LE_OQ)),
                                   _mm256_and_pd(_mm256_cmp_pd(x, zero, _CMP_GE_OQ), _mm256_cmp_pd(x, xmax, _CMP_LE_OQ)));
        *outside = ~_mm256_movemask_pd(in) & 0xF;
        y = _mm256_blendv_pd(zero, y, in); /* lanes outside are never sampled; keep their taps valid */
        x = _mm256_blendv_pd(zero, x, in);
    }
    *iy = _mm_min_epi32(_mm256_cvttpd_epi32(y), _mm_set1_epi32(s->height - 2));
    *ix = _mm_min_epi32(_mm256_cvttpd_epi32(x), _mm_set1_epi32(s->width - 2));
    __m256d w0r = _mm256_sub_pd(one, _mm256_sub_pd(y, _mm256_cvtepi32_pd(*iy)));
    __m256d w0c = _mm256_sub_pd(one, _mm256_sub_pd(x, _mm256_cvtepi32_pd(*ix)));
    __m256d w1r = _mm256_sub_pd(one, w0r), w1c = _mm256_sub_pd(one, w0c);
    w[0] = _mm256_cvtpd_ps(_mm256_mul_pd(w0r, w0c));
    w[1] = _mm256_cvtpd_ps(_mm256_mul_pd(w0r, w1c));
    w[2] = _mm256_cvtpd_ps(_mm256_mul_pd(w1r, w0c));
    w[3] = _mm256_cvtpd_ps(_mm256_mul_pd(w1r, w1c));
}

__attribute__((target("avx2")))
static inline __m256 channel_floats(__m256i words, int k) {
    return _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(words, 8 * k), _mm256_set1_epi32(0xFF)));
}

/*
 * Eight pixels at a time: coordinates and weights in vectors, the four taps of all eight
 * pixels with one gather each, channels as vectors of eight. Every lane performs exactly the
 * float operations of the per-pixel paths, so the bytes are the same.
 */
__attribute__((target("avx2")))
static void warp_colour_avx2(const ik_source *s, ik_boundary boundary, float cval, double row_base,
                             double col_base, double a01, double a11, int c0, int c1, void *out,
                             ptrdiff_t out_step, ik_output kind, const uint8_t *table) {
    int channels = s->channels;
    __m128i spread = channels == 3 ? _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1)
                                   : _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, -1, -1, -1, -1, -1, -1, -1, -1);
    /* Writing forward, a pixel's spare 4th byte lands on the next pixel, written right after. */
    int forward = out_step > 0;
    /* 32-bit gather offsets; a 3-channel tap on the last row could read a byte past the buffer. */
    int gather_ok = kind == IK_ROUND && s->size < 0x7FFFFFF0u;
    const int stride = (int)s->stride;
    const __m256i last_tap_row = _mm256_set1_epi32(s->height - 2), last_tap_col = _mm256_set1_epi32(s->width - 2);
    int c = c0;
    for (; gather_ok && c + 8 <= c1; c += 8) {
        __m256d cs_lo = _mm256_add_pd(_mm256_set1_pd((double)c), _mm256_setr_pd(0.0, 1.0, 2.0, 3.0));
        __m256d cs_hi = _mm256_add_pd(cs_lo, _mm256_set1_pd(4.0));
        __m128i iy_lo, ix_lo, iy_hi, ix_hi;
        __m128 w_lo[4], w_hi[4];
        int out_lo, out_hi;
        quad_taps(s, boundary, _mm256_add_pd(_mm256_mul_pd(cs_lo, _mm256_set1_pd(a01)), _mm256_set1_pd(row_base)),
                  _mm256_add_pd(_mm256_mul_pd(cs_lo, _mm256_set1_pd(a11)), _mm256_set1_pd(col_base)),
                  &iy_lo, &ix_lo, w_lo, &out_lo);
        quad_taps(s, boundary, _mm256_add_pd(_mm256_mul_pd(cs_hi, _mm256_set1_pd(a01)), _mm256_set1_pd(row_base)),
                  _mm256_add_pd(_mm256_mul_pd(cs_hi, _mm256_set1_pd(a11)), _mm256_set1_pd(col_base)),
                  &iy_hi, &ix_hi, w_hi, &out_hi);
        __m256i iy = _mm256_setr_m128i(iy_lo, iy_hi), ix = _mm256_setr_m128i(ix_lo, ix_hi);
        /* A 4-byte read of the buffer's very last pixel (bottom-right tap) would pass its end. */
        if (channels == 3 && !_mm256_testz_si256(_mm256_and_si256(_mm256_cmpeq_epi32(iy, last_tap_row),
                                                                  _mm256_cmpeq_epi32(ix, last_tap_col)),
                                                 _mm256_set1_epi32(-1))) {
            for (int k = 0; k < 8; k++) {
                int cc = c + k;
                warp_pixel_avx2(s, boundary, cval, row_base + (double)cc * a01, col_base + (double)cc * a11, out,
                                (ptrdiff_t)(cc - c0) * out_step, kind, table, spread, forward && cc + 1 < c1);
            }
            continue;
        }
        int outside = out_lo | (out_hi << 4);
        __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(iy, _mm256_set1_epi32(stride)),
                                       _mm256_mullo_epi32(ix, _mm256_set1_epi32(channels)));
        /* The two taps of a row are neighbours: one 8-byte load holds both (bytes 0-3 and
           channels..channels+3), where four hardware gathers cost far more on AMD cores. The same
           32-bit words as gathers of each tap; the last pixel's overrun case was sent above to the
           per-pixel path. */
        int offsets[8];
        uint32_t t00[8], t01[8], t10[8], t11[8];
        _mm256_storeu_si256((__m256i *)offsets, off);
        const int next_tap_bits = 8 * channels;
        const uintptr_t later = (uintptr_t)s->pixels + (uintptr_t)s->prefetch_ahead; /* see ik_source */
        for (int k = 0; k < 8; k += 2) _mm_prefetch((const char *)(later + (uintptr_t)(intptr_t)offsets[k]), _MM_HINT_T0);
        for (int k = 0; k < 8; k++) {
            uint64_t upper, lower;
            memcpy(&upper, s->pixels + offsets[k], 8);
            memcpy(&lower, s->pixels + offsets[k] + stride, 8);
            t00[k] = (uint32_t)upper;
            t01[k] = (uint32_t)(upper >> next_tap_bits);
            t10[k] = (uint32_t)lower;
            t11[k] = (uint32_t)(lower >> next_tap_bits);
        }
        __m256i g00 = _mm256_loadu_si256((const __m256i *)t00), g01 = _mm256_loadu_si256((const __m256i *)t01);
        __m256i g10 = _mm256_loadu_si256((const __m256i *)t10), g11 = _mm256_loadu_si256((const __m256i *)t11);
        __m256 w00 = _mm256_setr_m128(w_lo[0], w_hi[0]), w01 = _mm256_setr_m128(w_lo[1], w_hi[1]);
        __m256 w10 = _mm256_setr_m128(w_lo[2], w_hi[2]), w11 = _mm256_setr_m128(w_lo[3], w_hi[3]);
        __m256i words = _mm256_setzero_si256();
        for (int k = 0; k < channels; k++) {
            __m256 a = _mm256_add_ps(_mm256_mul_ps(channel_floats(g00, k), w00), _mm256_mul_ps(channel_floats(g10, k), w10));
            __m256 b = _mm256_add_ps(_mm256_mul_ps(channel_floats(g01, k), w01), _mm256_mul_ps(channel_floats(g11, k), w11));
            __m256 t = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(a, b), _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
            words = _mm256_or_si256(words, _mm256_slli_epi32(_mm256_cvtps_epi32(t), 8 * k)); /* half to even */
        }
        uint32_t packed[8];
        _mm256_storeu_si256((__m256i *)packed, words);
        if (outside && boundary == IK_CONSTANT) {
            uint32_t fill = 0;
            for (int k = 0; k < channels; k++) fill |= (uint32_t)round_byte(cval) << (8 * k);
            for (int k = 0; k < 8; k++) if (outside & (1 << k)) packed[k] = fill;
        } else if (outside) {
            ik_border_lanes(s, boundary, row_base, col_base, a01, a11, c, outside, packed);
        }
        for (int k = 0; k < 8; k++) {
            uint8_t *p = (uint8_t *)out + (ptrdiff_t)(c + k - c0) * out_step;
            if (channels == 4 || (forward && c + k + 1 < c1)) {
                memcpy(p, &packed[k], 4);
            } else {
                p[0] = (uint8_t)packed[k];
                p[1] = (uint8_t)(packed[k] >> 8);
                p[2] = (uint8_t)(packed[k] >> 16);
            }
        }
    }
    for (; c < c1; c++) {
        warp_pixel_avx2(s, boundary, cval, row_base + (double)c * a01, col_base + (double)c * a11, out,
                        (ptrdiff_t)(c - c0) * out_step, kind, table, spread, forward && c + 1 < c1);
    }
}

static volatile int force_portable = 0;

void ik_force_portable(int on) { force_portable = on; }

int ik_portable_forced(void) { return force_portable; }

void ik_warp_row(const ik_source *source, ik_boundary boundary, float cval, double row_base, double col_base,
                 double a01, double a11, int c0, int c1, void *out, ptrdiff_t out_step, ik_output kind,
                 const uint8_t *table) {
    if (source->channels == 1) {
        warp_grey(source, boundary, cval, row_base, col_base, a01, a11, c0, c1, out, out_step, kind, table);
    } else if (!force_portable && __builtin_cpu_supports("avx2")) {
        warp_colour_avx2(source, boundary, cval, row_base, col_base, a01, a11, c0, c1, out, out_step, kind, table);
    } else {
        warp_colour_sse2(source, boundary, cval, row_base, col_base, a01, a11, c0, c1, out, out_step, kind, table);
    }
}
