/*
 * PNG through libpng's classic API. Every entry point owns its setjmp; libpng errors
 * longjmp back to it and come out as a status plus a message.
 */
#include "image_codecs.h"
#include "internal.h"

#include <png.h>
#include <setjmp.h>
#include <string.h>
#include <zlib.h>

/* Fields that a callback sets before libpng longjmps are volatile, and the callbacks are installed
   before setjmp: otherwise an optimising compiler may hand the error branch the value the field had
   when setjmp was called (0.2.0's release build reported cut-short PNGs as corrupt this way). */
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    volatile int truncated;
    char *message;
} png_reader;

typedef struct {
    ic_buffer *out;
    volatile int out_of_memory;
    char *message;
} png_writer;

static void on_error(png_structp png, png_const_charp text) {
    char **message = (char **)png_get_error_ptr(png);
    if (message != NULL && *message != NULL && (*message)[0] == '\0') {
        ic_set_message(*message, "%s", text);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    /* Warnings (bad ancillary chunks, odd ICC profiles) do not make a file unusable. */
    (void)png;
    (void)text;
}

static void read_from_memory(png_structp png, png_bytep out, size_t count) {
    png_reader *reader = (png_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->position) {
        reader->truncated = 1;
        png_error(png, "premature end of data");
    }
    memcpy(out, reader->data + reader->position, count);
    reader->position += count;
}

static void write_to_memory(png_structp png, png_bytep bytes, size_t count) {
    png_writer *writer = (png_writer *)png_get_io_ptr(png);
    if (!ic_buffer_append(writer->out, bytes, count)) {
        writer->out_of_memory = 1;
        png_error(png, "out of memory");
    }
}

static void flush_memory(png_structp png) { (void)png; }

/* Classifies a libpng error message into a status; CRC and zlib errors are corruption. */
static ic_status classify(const volatile png_reader *reader, const char *message) {
    if (reader->truncated) return IC_TRUNCATED;
    if (strstr(message, "out of memory") || strstr(message, "Out of memory")) return IC_NO_MEMORY;
    return IC_CORRUPT;
}

static void rewrite_crc_message(char *message) {
    /* libpng says "IDAT: CRC error"; users read "CRC error in IDAT" more easily. */
    const char *suffix = ": CRC error";
    size_t length = strlen(message);
    size_t suffix_length = strlen(suffix);
    if (length > suffix_length && length - suffix_length < 16 &&
        strcmp(message + length - suffix_length, suffix) == 0) {
        char chunk[16];
        memcpy(chunk, message, length - suffix_length);
        chunk[length - suffix_length] = '\0';
        ic_set_message(message, "CRC error in %s", chunk);
    }
}

/* Sets up the transforms that turn any PNG into 8-bit grey, RGB or RGBA; fills info. */
static void configure_transforms(png_structp png, png_infop info, ic_info *out) {
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    int is_grey = (color_type & PNG_COLOR_MASK_COLOR) == 0;
    int has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (is_grey && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (has_trns) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png); /* rounds, unlike strip_16 */
    if (is_grey && has_alpha) png_set_gray_to_rgb(png); /* grey+alpha comes out as RGBA */

    out->width = width;
    out->height = height;
    out->bit_depth = (uint32_t)bit_depth;
    out->color_type = (uint32_t)color_type;
    out->interlaced = interlace != PNG_INTERLACE_NONE;
    out->source_channels = png_get_channels(png, info);
    out->channels = is_grey ? (has_alpha ? 4 : 1) : (has_alpha ? 4 : 3);
    out->orientation = 1;
#ifdef PNG_eXIf_SUPPORTED
    png_uint_32 exif_length = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(png, info, &exif_length, &exif) != 0 && exif != NULL) {
        uint32_t orientation = ic_exif_orientation(exif, exif_length);
        if (orientation != 0) out->orientation = orientation;
    }
#endif
}

static png_structp create_reader(char **message_slot) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, message_slot, on_error, on_warning);
    if (png == NULL) return NULL;
    /* Pixel limits are enforced by the caller from the probed header. */
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    return png;
}

/* Reads the header and, when `pixels` is not NULL, the whole image into it. */
static ic_status png_read(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity, ic_info *info,
                          char *message) {
    memset(info, 0, sizeof *info);
    if (message) message[0] = '\0';
    png_reader reader = {data, size, 0, 0, message};
    char *message_slot = message;
    png_structp png = create_reader(&message_slot);
    if (png == NULL) {
        ic_set_message(message, "out of memory");
        return IC_NO_MEMORY;
    }
    png_infop header = png_create_info_struct(png);
    if (header == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        ic_set_message(message, "out of memory");
        return IC_NO_MEMORY;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    if (setjmp(png_jmpbuf(png))) {
        ic_status status = classify(&reader, message ? message : "");
        if (message) rewrite_crc_message(message);
        png_destroy_read_struct(&png, &header, NULL);
        return status;
    }
    png_read_info(png, header);
    configure_transforms(png, header, info);
    if (pixels == NULL) {
        png_destroy_read_struct(&png, &header, NULL);
        return IC_OK;
    }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, header);

    size_t needed = 0;
    size_t row_bytes = png_get_rowbytes(png, header);
    if (!ic_pixel_bytes(info->width, info->height, info->channels, &needed) || needed > capacity ||
        row_bytes != (size_t)info->width * info->channels) {
        png_destroy_read_struct(&png, &header, NULL);
        ic_set_message(message, "image of %ux%u does not fit the pixel buffer", info->width, info->height);
        return IC_TOO_LARGE;
    }
    /* With interlace handling, each pass updates the full-size rows in place. */
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < info->height; y++) {
            png_read_row(png, pixels + (size_t)y * row_bytes, NULL);
        }
    }
    /* Reads the chunks after the image up to IEND, so a file cut short is noticed. */
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &header, NULL);
    return IC_OK;
}

ic_status ic_png_probe(const uint8_t *data, size_t size, ic_info *info, char *message) {
    return png_read(data, size, NULL, 0, info, message);
}

ic_status ic_png_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity,
                        ic_info *info, char *message) {
    if (pixels == NULL) {
        ic_set_message(message, "no pixel buffer");
        return IC_INVALID;
    }
    return png_read(data, size, pixels, capacity, info, message);
}

ic_status ic_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        int level, ic_buffer *out, char *message) {
    memset(out, 0, sizeof *out);
    if (message) message[0] = '\0';
    static const int color_types[5] = {-1, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (width == 0 || height == 0 || channels < 1 || channels > 4 || level < 0 || level > 9) {
        ic_set_message(message, "cannot encode a %ux%u image with %u channels at level %d", width, height,
                       channels, level);
        return IC_INVALID;
    }
    png_writer writer = {out, 0, message};
    char *message_slot = message;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &message_slot, on_error, on_warning);
    if (png == NULL) {
        ic_set_message(message, "out of memory");
        return IC_NO_MEMORY;
    }
    png_infop header = png_create_info_struct(png);
    if (header == NULL) {
        png_destroy_write_struct(&png, NULL);
        ic_set_message(message, "out of memory");
        return IC_NO_MEMORY;
    }
    png_set_write_fn(png, &writer, write_to_memory, flush_memory);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &header);
        ic_buffer_free(out);
        return writer.out_of_memory ? IC_NO_MEMORY : IC_INVALID;
    }
    png_set_compression_level(png, level);
    if (level <= 3) {
        /* Fast levels: one cheap filter instead of trying all five on every row. */
        png_set_filter(png, PNG_FILTER_TYPE_BASE, level == 0 ? PNG_FILTER_NONE : PNG_FILTER_SUB);
        png_set_compression_strategy(png, Z_RLE);
    }
    png_set_IHDR(png, header, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, header);
    size_t row_bytes = (size_t)width * channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, pixels + (size_t)y * row_bytes);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &header);
    return IC_OK;
}
