/*
 * TIFF through libtiff, read from memory (TIFFClientOpenExt). Errors reach a per-call handler
 * (libtiff 4.5's TIFFOpenOptions), never the process-wide one, so concurrent decodes keep their own
 * messages; libtiff's allocations are capped so a header cannot ask for gigabytes.
 *
 * 8- and 16-bit grey, grey+alpha, RGB and RGBA (contiguous samples, strips or tiles) are read
 * directly, 16-bit samples rounded to 8 bits as round(v * 255 / 65535) (libpng's scale_16);
 * everything else libtiff can render (palette, 1-4 bit, YCbCr, CMYK, separate planes) goes
 * through TIFFReadRGBAImage. The first page is decoded; `pages` says how many there are.
 * Pixels are returned as stored: the orientation tag is reported, and applied by the caller.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "image_codecs.h"
#include "internal.h"

/* libtiff may allocate this much at once for one strip or tile, no more. */
#define MAX_SINGLE_ALLOCATION ((tmsize_t)256 << 20)

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    char first_error[IC_MESSAGE_CAPACITY];
    int truncated; /* an error said the data ran out */
} memory_file;

static tmsize_t memory_read(thandle_t handle, void *buffer, tmsize_t count) {
    memory_file *file = handle;
    if (count <= 0 || file->position >= file->size) return 0;
    size_t available = file->size - file->position;
    size_t n = (size_t)count < available ? (size_t)count : available;
    memcpy(buffer, file->data + file->position, n);
    file->position += n;
    return (tmsize_t)n;
}

static tmsize_t memory_write(thandle_t handle, void *buffer, tmsize_t count) {
    (void)handle, (void)buffer, (void)count;
    return -1;
}

static toff_t memory_seek(thandle_t handle, toff_t offset, int whence) {
    memory_file *file = handle;
    uint64_t base = whence == SEEK_CUR ? file->position : (whence == SEEK_END ? file->size : 0);
    uint64_t target = base + offset; /* offsets past the end are allowed; reads there return 0 */
    if (target < base && whence != SEEK_SET) return (toff_t)-1;
    file->position = (size_t)(target > SIZE_MAX ? SIZE_MAX : target);
    return (toff_t)file->position;
}

static int memory_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t memory_size(thandle_t handle) { return ((memory_file *)handle)->size; }

static int memory_map(thandle_t handle, void **base, toff_t *size) {
    (void)handle, (void)base, (void)size;
    return 0;
}

static void memory_unmap(thandle_t handle, void *base, toff_t size) { (void)handle, (void)base, (void)size; }

static int on_error(TIFF *tif, void *user, const char *module, const char *format, va_list args) {
    (void)tif, (void)module;
    memory_file *file = user;
    char text[IC_MESSAGE_CAPACITY];
    vsnprintf(text, sizeof text, format, args);
    if (file->first_error[0] == 0) snprintf(file->first_error, sizeof file->first_error, "%s", text);
    if (strstr(text, "Read error") || strstr(text, "end of file") || strstr(text, "Not enough data") ||
        strstr(text, "past end") || strstr(text, "EOF") || strstr(text, "Cannot read") || strstr(text, "Can not read")) {
        file->truncated = 1;
    }
    return 1; /* handled: the process-wide handler (stderr) is not called */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *format, va_list args) {
    (void)tif, (void)user, (void)module, (void)format, (void)args;
    return 1; /* unknown tags and the like: not worth a word */
}

static TIFF *open_memory(memory_file *file) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, MAX_SINGLE_ALLOCATION);
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, file);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, file);
    /* "m": never map; the data is already in memory */
    TIFF *tif = TIFFClientOpenExt("tiff", "rm", file, memory_read, memory_write, memory_seek, memory_close,
                                  memory_size, memory_map, memory_unmap, options);
    TIFFOpenOptionsFree(options);
    return tif;
}

static ic_status failure(memory_file *file, char *message, const char *what) {
    if (file->truncated) {
        ic_set_message(message, "premature end of data (%s)", file->first_error);
        return IC_TRUNCATED;
    }
    ic_set_message(message, "%s%s%s", what, file->first_error[0] ? ": " : "", file->first_error);
    return IC_CORRUPT;
}

typedef struct {
    uint32_t width, height;
    uint16_t samples, bits, photometric, planar, orientation, extra_alpha;
    int direct; /* samples read as they are (see the file comment) */
} layout;

static ic_status read_layout(TIFF *tif, memory_file *file, layout *l, ic_info *info, char *message) {
    uint16_t extra_count = 0, *extra = NULL;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l->width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l->height)) {
        return failure(file, message, "no image size in the first directory");
    }
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &l->samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &l->bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &l->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &l->orientation);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &l->photometric)) {
        l->photometric = l->samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    }
    l->extra_alpha = extra_count > 0;
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFIsCODECConfigured(compression)) {
        ic_set_message(message, "compression scheme %u, which this libtiff does not decode", compression);
        return IC_UNSUPPORTED;
    }
    int grey = (l->photometric == PHOTOMETRIC_MINISBLACK || l->photometric == PHOTOMETRIC_MINISWHITE) &&
               (l->samples == 1 || (l->samples == 2 && l->extra_alpha));
    int rgb = l->photometric == PHOTOMETRIC_RGB && (l->samples == 3 || (l->samples == 4 && l->extra_alpha));
    l->direct = (grey || rgb) && (l->bits == 8 || l->bits == 16) && (l->planar == PLANARCONFIG_CONTIG || l->samples == 1);
    uint16_t sample_format = SAMPLEFORMAT_UINT;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sample_format);
    if (sample_format != SAMPLEFORMAT_UINT) l->direct = 0;

    memset(info, 0, sizeof *info);
    info->width = l->width;
    info->height = l->height;
    info->bit_depth = l->bits;
    info->color_type = l->photometric;
    info->source_channels = l->samples;
    info->orientation = l->orientation >= 1 && l->orientation <= 8 ? l->orientation : 1;
    if (l->direct) {
        info->channels = l->samples == 2 ? 4 : l->samples;
    } else {
        char why[1024];
        if (!TIFFRGBAImageOK(tif, why)) {
            ic_set_message(message, "%s", why);
            return IC_UNSUPPORTED;
        }
        info->channels = l->extra_alpha ? 4 : 3;
    }
    return IC_OK;
}

static uint32_t count_pages(TIFF *tif) {
    uint32_t pages = 1;
    while (pages < 10000 && TIFFReadDirectory(tif)) pages++;
    return pages;
}

/* Opens the data and reads the first page's layout; *tif is NULL when it could not be opened. */
static ic_status open_first_page(memory_file *file, TIFF **tif, layout *l, ic_info *info, char *message) {
    memset(info, 0, sizeof *info);
    *tif = open_memory(file);
    if (*tif == NULL) return failure(file, message, "not a readable TIFF");
    return read_layout(*tif, file, l, info, message);
}

ic_status ic_tiff_probe(const uint8_t *data, size_t size, ic_info *info, char *message) {
    memory_file file = {data, size, 0, {0}, 0};
    TIFF *tif;
    layout l;
    ic_status status = open_first_page(&file, &tif, &l, info, message);
    if (status == IC_OK) info->pages = count_pages(tif);
    if (tif != NULL) TIFFClose(tif);
    return status;
}

static inline uint8_t to8(uint16_t v) { return (uint8_t)(((uint32_t)v * 255 + 32767) / 65535); }

/* One row of `count` stored samples (8- or 16-bit) to output bytes (grey+alpha becomes RGBA). */
static void convert_row(const layout *l, const uint8_t *row, uint32_t width, uint8_t *out) {
    const int invert = l->photometric == PHOTOMETRIC_MINISWHITE;
    for (uint32_t x = 0; x < width; x++) {
        uint8_t v[4];
        for (uint16_t k = 0; k < l->samples && k < 4; k++) {
            size_t i = (size_t)x * l->samples + k;
            uint8_t byte;
            if (l->bits == 16) {
                uint16_t sample;
                memcpy(&sample, row + 2 * i, 2);
                byte = to8(sample);
            } else {
                byte = row[i];
            }
            v[k] = (invert && k == 0) ? (uint8_t)(255 - byte) : byte;
        }
        if (l->samples == 2) {
            out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = v[0];
            out[4 * x + 3] = v[1];
        } else {
            memcpy(out + (size_t)x * l->samples, v, l->samples);
        }
    }
}

static ic_status decode_direct(TIFF *tif, memory_file *file, const layout *l, uint8_t *pixels, uint32_t channels,
                               char *message) {
    size_t out_row = (size_t)l->width * channels;
    if (TIFFIsTiled(tif)) {
        uint32_t tile_w = 0, tile_h = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tile_w);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &tile_h);
        tmsize_t tile_bytes = TIFFTileSize(tif);
        if (tile_w == 0 || tile_h == 0 || tile_bytes <= 0) return failure(file, message, "bad tile size");
        uint8_t *tile = _TIFFmalloc(tile_bytes);
        uint8_t *converted = malloc((size_t)tile_w * channels);
        if (tile == NULL || converted == NULL) {
            _TIFFfree(tile);
            free(converted);
            ic_set_message(message, "out of memory for a %ux%u tile", tile_w, tile_h);
            return IC_NO_MEMORY;
        }
        size_t stored_row = (size_t)tile_w * l->samples * (l->bits / 8);
        ic_status status = IC_OK;
        for (uint32_t ty = 0; ty < l->height && status == IC_OK; ty += tile_h) {
            for (uint32_t tx = 0; tx < l->width; tx += tile_w) {
                if (TIFFReadTile(tif, tile, tx, ty, 0, 0) < 0) {
                    status = failure(file, message, "cannot read a tile");
                    break;
                }
                uint32_t w = tile_w < l->width - tx ? tile_w : l->width - tx;
                uint32_t h = tile_h < l->height - ty ? tile_h : l->height - ty;
                for (uint32_t y = 0; y < h; y++) {
                    convert_row(l, tile + y * stored_row, w, converted);
                    memcpy(pixels + (size_t)(ty + y) * out_row + (size_t)tx * channels, converted, (size_t)w * channels);
                }
            }
        }
        _TIFFfree(tile);
        free(converted);
        return status;
    }
    tmsize_t scanline = TIFFScanlineSize(tif);
    uint8_t *row = scanline > 0 ? _TIFFmalloc(scanline) : NULL;
    if (row == NULL) {
        ic_set_message(message, "out of memory for a row");
        return IC_NO_MEMORY;
    }
    ic_status status = IC_OK;
    for (uint32_t y = 0; y < l->height; y++) {
        if (TIFFReadScanline(tif, row, y, 0) < 0) {
            status = failure(file, message, "cannot read a row");
            break;
        }
        convert_row(l, row, l->width, pixels + (size_t)y * out_row);
    }
    _TIFFfree(row);
    return status;
}

/* Anything TIFFRGBAImage renders, as stored (no orientation applied: the caller applies it). */
static ic_status decode_rgba(TIFF *tif, memory_file *file, const layout *l, uint8_t *pixels, uint32_t channels,
                             char *message) {
    TIFFRGBAImage image;
    char why[1024];
    if (!TIFFRGBAImageBegin(&image, tif, 0, why)) {
        ic_set_message(message, "%s", why);
        return IC_UNSUPPORTED;
    }
    image.req_orientation = image.orientation; /* rows as stored */
    size_t count = (size_t)l->width * l->height;
    uint32_t *raster = count <= SIZE_MAX / 4 ? _TIFFmalloc((tmsize_t)(count * 4)) : NULL;
    if (raster == NULL) {
        TIFFRGBAImageEnd(&image);
        ic_set_message(message, "out of memory for %ux%u pixels", l->width, l->height);
        return IC_NO_MEMORY;
    }
    int ok = TIFFRGBAImageGet(&image, raster, l->width, l->height);
    TIFFRGBAImageEnd(&image);
    if (!ok) {
        _TIFFfree(raster);
        return failure(file, message, "cannot render the image");
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t p = raster[i];
        uint8_t *o = pixels + i * channels;
        o[0] = (uint8_t)TIFFGetR(p);
        o[1] = (uint8_t)TIFFGetG(p);
        o[2] = (uint8_t)TIFFGetB(p);
        if (channels == 4) o[3] = (uint8_t)TIFFGetA(p);
    }
    _TIFFfree(raster);
    return IC_OK;
}

ic_status ic_tiff_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity, ic_info *info,
                         char *message) {
    memory_file file = {data, size, 0, {0}, 0};
    TIFF *tif;
    layout l;
    ic_status status = open_first_page(&file, &tif, &l, info, message);
    if (tif == NULL) return status;
    size_t needed = 0;
    if (status == IC_OK && (!ic_pixel_bytes(l.width, l.height, info->channels, &needed) || needed > capacity)) {
        ic_set_message(message, "the image needs %zu bytes, the buffer has %zu", needed, capacity);
        status = IC_TOO_LARGE;
    }
    if (status == IC_OK) {
        status = l.direct ? decode_direct(tif, &file, &l, pixels, info->channels, message)
                          : decode_rgba(tif, &file, &l, pixels, info->channels, message);
    }
    TIFFClose(tif);
    return status;
}
