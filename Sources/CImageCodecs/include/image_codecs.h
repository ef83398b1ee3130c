/*
 * The C boundary of augmentd's codecs: every libpng, libjpeg, libwebp and libtiff call lives behind
 * these functions. libpng and libjpeg report errors by longjmp; each function here
 * keeps its own setjmp, so callers (Swift) only ever see a status and a message.
 *
 * Pixel memory is owned by the caller: probe first, check the size, allocate, then
 * decode into that buffer. Encoders return a malloc'd buffer freed with ic_buffer_free.
 */
#ifndef AUGMENTD_IMAGE_CODECS_H
#define AUGMENTD_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    IC_OK = 0,
    IC_TRUNCATED = 1,     /* the data ends before the image does */
    IC_CORRUPT = 2,       /* bad CRC, bad Huffman code, invalid header... */
    IC_UNSUPPORTED = 3,   /* a valid file using a feature we do not decode */
    IC_TOO_LARGE = 4,     /* the caller's buffer cannot hold the image */
    IC_NO_MEMORY = 5,
    IC_INVALID = 6        /* bad arguments (e.g. encoding a 0x0 image) */
} ic_status;

/* What the header says, before any pixel is decoded. */
typedef struct {
    uint32_t width;        /* as stored, before EXIF orientation */
    uint32_t height;
    uint32_t channels;     /* channels the decoder produces: 1 grey, 3 RGB, 4 RGBA */
    uint32_t orientation;  /* EXIF orientation 1..8; 1 when absent or invalid */
    uint32_t bit_depth;    /* PNG bit depth; 8 for JPEG */
    uint32_t color_type;   /* PNG colour type, or libjpeg's J_COLOR_SPACE of the file */
    uint32_t interlaced;   /* PNG Adam7, or progressive JPEG */
    uint32_t source_channels; /* channels as stored in the file (JPEG components, PNG channels) */
    uint32_t pages;        /* TIFF: directories in the file (the first is decoded); else 0 */
} ic_info;

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} ic_buffer;

enum { IC_MESSAGE_CAPACITY = 256 };

ic_status ic_png_probe(const uint8_t *data, size_t size, ic_info *info, char *message);
ic_status ic_png_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity,
                        ic_info *info, char *message);
/* level: zlib level 0..9; rows are tightly packed, channels 1..4. */
ic_status ic_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        int level, ic_buffer *out, char *message);

/* max_scans bounds progressive JPEGs that would make the decoder loop for minutes. */
ic_status ic_jpeg_probe(const uint8_t *data, size_t size, ic_info *info, char *message);
ic_status ic_jpeg_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity,
                         uint32_t max_scans, ic_info *info, char *message);
/* quality 1..100; 4:2:0 chroma, accurate integer DCT (libjpeg's defaults). RGBA drops alpha. */
ic_status ic_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                         int quality, int progressive, ic_buffer *out, char *message);

/* WebP (lossy, lossless, alpha; animated files are refused). color_type: 0 mixed, 1 lossy,
   2 lossless. Decodes to RGB, or RGBA when the file has alpha. */
ic_status ic_webp_probe(const uint8_t *data, size_t size, ic_info *info, char *message);
ic_status ic_webp_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity,
                         ic_info *info, char *message);
/* quality 0..100 (lossy) or lossless; grey is written as RGB (WebP has no grey). */
ic_status ic_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                         int quality, int lossless, ic_buffer *out, char *message);

/* TIFF: the first page; 8/16-bit grey, RGB, RGBA read directly (16-bit rounded to 8), the rest
   through libtiff's RGBA renderer. color_type is the photometric interpretation. */
ic_status ic_tiff_probe(const uint8_t *data, size_t size, ic_info *info, char *message);
ic_status ic_tiff_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity,
                         ic_info *info, char *message);

void ic_buffer_free(ic_buffer *buffer);

/* EXIF orientation from a TIFF structure ("II*\0" or "MM\0*"); 0 when none is found. */
uint32_t ic_exif_orientation(const uint8_t *tiff, size_t size);

#endif
