/*
 * Hot pixel loops that need SIMD instructions Swift cannot express on the x86-64 baseline.
 * Each kernel has a portable SSE2 version and an AVX2 version chosen at run time; both compute
 * every value with the same float operations in the same order, so results are identical
 * bit for bit whichever the CPU runs.
 */
#ifndef AUGMENTD_IMAGE_KERNELS_H
#define AUGMENTD_IMAGE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    IK_ROUND = 0,        /* clip(rint(v), 0, 255), round half to even */
    IK_TRUNCATE_TABLE,   /* table[trunc(v)], alpha (4th channel) truncated only */
    IK_FLOAT             /* the float sample itself */
} ik_output;

typedef enum {
    IK_INSIDE = 0,   /* the caller guarantees every tap is inside the source */
    IK_NEAREST,      /* scipy "nearest": coordinates clamped to [0, n-1] (exactly equivalent) */
    IK_CONSTANT,     /* scipy "constant" at order 1: outside [0, n-1] the sample is cval */
    IK_REFLECT,      /* scipy "reflect" (half-sample symmetric) */
    IK_WRAP,         /* scipy "wrap": period n-1, as Keras gets it */
    IK_GRID_WRAP     /* scipy "grid-wrap": period n (the centered geometry's wrap) */
} ik_boundary;

typedef struct {
    const uint8_t *pixels;
    ptrdiff_t stride;      /* bytes per row */
    int width, height;     /* at least 2 each */
    int channels;          /* 1, 3 or 4 */
    size_t size;           /* bytes in the buffer (loads never go past it) */
    /* Bytes from a tap to where the same output column reads some rows later (0: none). A
       rotated row reads its source along a slant that hardware prefetchers do not follow; the
       kernels prefetch that far ahead (about 8 output rows measured best on a cold source). */
    ptrdiff_t prefetch_ahead;
    /* The same distance in whole rows and columns, for border samples (whose reflected taps move
       the other way along a reflected axis). */
    int ahead_rows, ahead_cols;
} ik_source;

/*
 * Bilinear samples for output pixels c0 <= c < c1 of one row. Source coordinates:
 * row = row_base + c*a01, col = col_base + c*a11 (doubles); weights are formed in double and
 * rounded to float; the sample is (v00*w00 + v10*w10) + (v01*w01 + v11*w11) in float.
 * Output pixel c goes to out + (c - c0) * out_step (bytes, or floats for IK_FLOAT).
 */
void ik_warp_row(const ik_source *source, ik_boundary boundary, float cval,
                 double row_base, double col_base, double a01, double a11, int c0, int c1,
                 void *out, ptrdiff_t out_step, ik_output kind, const uint8_t *table);

/*
 * ik_warp_row for IK_ROUND with the fast sampler of the centered geometry (warp_fast.c): interior
 * samples in integer fixed point, at most one level from the exact ones, the same bytes on every
 * CPU; border samples exactly as ik_warp_row. out_step is in bytes (plus or minus channels).
 */
void ik_warp_row_fast(const ik_source *source, ik_boundary boundary, float cval, double row_base,
                      double col_base, double a01, double a11, int c0, int c1, uint8_t *out,
                      ptrdiff_t out_step);

/* table[v] for every byte of pixels[0..count) but alpha (every 4th byte when channels is 4). */
void ik_apply_table(uint8_t *pixels, size_t count, int channels, const uint8_t *table);

/* The same from `from` into `to` (which may be `from`); alpha bytes are copied. */
void ik_map_bytes(const uint8_t *from, uint8_t *to, size_t count, int channels, const uint8_t *table);

/* ik_map_bytes of every byte (alpha too), widening [*lo, *hi] to the smallest and largest byte read. */
void ik_map_bytes_measuring(const uint8_t *from, uint8_t *to, size_t count, const uint8_t *table, uint8_t *lo,
                            uint8_t *hi);

/* counts[v] = how many colour bytes of pixels[0..count) equal v (every byte, or the first three
   of each 4 when channels is 4). */
void ik_colour_histogram(const uint8_t *pixels, size_t count, int channels, uint32_t counts[256]);

/* The smallest and the largest of bytes[0..count) (255 and 0 when count is 0). */
void ik_byte_range(const uint8_t *bytes, size_t count, uint8_t *lo, uint8_t *hi);

/* Nonzero when the byte maps above run with AVX-512 VBMI (a table then beats any other loop). */
int ik_fast_byte_maps(void);

/* Pixel c of `from` (width pixels of `channels` bytes) to pixel width-1-c of `to`; no overlap. */
void ik_reverse_pixels(const uint8_t *from, uint8_t *to, int width, int channels);

/* ---- CLAHE's per-pixel passes (clahe.c; AdaptiveEqualization.swift has the method) ---- */

/* out[i] = max of the first three channels of pixel i. */
void ik_max_of_channels(const uint8_t *pixels, size_t count, int channels, uint8_t *out);

/* hist[bins[r][c]] += 1 for the given rows and columns (the reflect-padded tile). */
void ik_clahe_histogram(const uint16_t *bins, int width, const int32_t *rows, int row_count,
                        const int32_t *cols, int col_count, int32_t *hist);

/* One output row of the blend between the four nearest tile tables. */
typedef struct {
    const uint16_t *bins;          /* the row's bins */
    const int32_t *lut0, *lut1;    /* the tables of the upper and lower tile rows */
    const int32_t *col_offset0;    /* per column: offset of its left tile's table in lut0/lut1 */
    const int32_t *col_offset1;    /* ... and of its right tile's */
    const double *col_frac;        /* per column: weight of the right tile */
    double row_frac;               /* weight of the lower tile row */
} ik_clahe_row;

/* out[x] = trunc(t00 + t01 + t10 + t11) in float, each t = (float)(table value * weight) with the
   weights formed in double; *lo and *hi take the row's smallest and largest result into account. */
void ik_clahe_blend_row(const ik_clahe_row *row, int width, uint16_t *out, uint16_t *lo, uint16_t *hi);

/* Colour pixels (3 or 4 channels; alpha kept) to value v = scaled[eq[i]]: each of R, G, B becomes
   round_half_even(v * (1 / max(R, G, B)) * channel), or round_half_even(v) where the pixel is black. */
void ik_clahe_restore_colour(uint8_t *pixels, size_t count, int channels, const uint16_t *eq, const double *scaled);

/* Tests: nonzero makes every kernel take its portable SSE2 path, to check both give the same bytes. */
void ik_force_portable(int on);

#endif
