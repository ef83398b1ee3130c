/*
 * JPEG through libjpeg(-turbo). Every entry point owns its setjmp; libjpeg's fatal
 * errors longjmp back to it. libjpeg only *warns* when data ends early or is corrupt
 * (and pads the image with grey), so warnings are collected and turned into errors.
 */
#include "image_codecs.h"
#include "internal.h"

#include <stdio.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    /* Set from callbacks and read after longjmp: volatile, so the error branch sees them. */
    volatile int truncated;      /* libjpeg reached the end of the data before EOI */
    volatile int corrupt;        /* a warning that means the pixels are wrong */
    volatile int limit_exceeded; /* our own scan limit, raised from the progress monitor */
    char warning[JMSG_LENGTH_MAX];
} jpeg_failure;

typedef struct {
    struct jpeg_progress_mgr base;
    uint32_t max_scans;
    jpeg_failure *failure;
} scan_limit;

static void on_fatal(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    if (failure->message && failure->message[0] == '\0') {
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        ic_set_message(failure->message, "%s", text);
    }
    longjmp(failure->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; /* trace messages */
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    cinfo->err->num_warnings++;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        failure->truncated = 1;
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_NOT_SEQUENTIAL:
        if (!failure->corrupt) {
            (*cinfo->err->format_message)(cinfo, failure->warning);
            failure->corrupt = 1;
        }
        break;
    default:
        /* e.g. extraneous bytes before a marker: common in camera files, pixels intact. */
        break;
    }
}

static void check_scan_limit(j_common_ptr cinfo) {
    scan_limit *limit = (scan_limit *)cinfo->progress;
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (limit->max_scans > 0 && (uint32_t)decompress->input_scan_number > limit->max_scans) {
        limit->failure->limit_exceeded = 1;
        ic_set_message(limit->failure->message, "more than %u progressive scans", limit->max_scans);
        longjmp(limit->failure->jump, 1);
    }
}

static void init_failure(jpeg_failure *failure, char *message) {
    memset(failure, 0, sizeof *failure);
    jpeg_std_error(&failure->base);
    failure->base.error_exit = on_fatal;
    failure->base.emit_message = on_message;
    failure->message = message;
}

static ic_status failure_status(const jpeg_failure *failure) {
    if (failure->truncated) return IC_TRUNCATED;
    if (failure->base.msg_code == JERR_OUT_OF_MEMORY) return IC_NO_MEMORY;
    return IC_CORRUPT;
}

static uint32_t orientation_from_markers(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 14) continue;
        if (memcmp(marker->data, "Exif\0\0", 6) != 0) continue;
        uint32_t orientation = ic_exif_orientation(marker->data + 6, marker->data_length - 6);
        if (orientation != 0) return orientation;
    }
    return 1;
}

static void fill_info(j_decompress_ptr cinfo, ic_info *info) {
    info->width = cinfo->image_width;
    info->height = cinfo->image_height;
    info->channels = cinfo->jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    info->orientation = orientation_from_markers(cinfo);
    info->bit_depth = 8;
    info->color_type = (uint32_t)cinfo->jpeg_color_space;
    info->interlaced = jpeg_has_multiple_scans(cinfo) ? 1 : 0;
    info->source_channels = (uint32_t)cinfo->num_components;
}

ic_status ic_jpeg_probe(const uint8_t *data, size_t size, ic_info *info, char *message) {
    memset(info, 0, sizeof *info);
    if (message) message[0] = '\0';
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    init_failure(&failure, message);
    cinfo.err = &failure.base;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        if (failure.truncated) ic_set_message(message, "premature end of data");
        return failure_status(&failure);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    fill_info(&cinfo, info);
    jpeg_destroy_decompress(&cinfo);
    if (failure.truncated) {
        ic_set_message(message, "premature end of data");
        return IC_TRUNCATED;
    }
    return IC_OK;
}

/* CMYK as Adobe writes it (inverted) or plain, to RGB: R = C*K/255 on inverted values. */
static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++) {
        unsigned c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[3 * x] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

ic_status ic_jpeg_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity,
                         uint32_t max_scans, ic_info *info, char *message) {
    memset(info, 0, sizeof *info);
    if (message) message[0] = '\0';
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    scan_limit limit;
    uint8_t *volatile cmyk_row = NULL;
    init_failure(&failure, message);
    cinfo.err = &failure.base;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(cmyk_row);
        if (failure.limit_exceeded) return IC_CORRUPT;
        if (failure.truncated) ic_set_message(message, "premature end of data");
        return failure_status(&failure);
    }
    jpeg_create_decompress(&cinfo);
    memset(&limit, 0, sizeof limit);
    limit.base.progress_monitor = check_scan_limit;
    limit.max_scans = max_scans;
    limit.failure = &failure;
    cinfo.progress = &limit.base;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    fill_info(&cinfo, info);

    int is_cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (cinfo.jpeg_color_space == JCS_GRAYSCALE) cinfo.out_color_space = JCS_GRAYSCALE;
    else if (is_cmyk) cinfo.out_color_space = JCS_CMYK;
    else cinfo.out_color_space = JCS_RGB;

    size_t needed = 0;
    if (!ic_pixel_bytes(info->width, info->height, info->channels, &needed) || needed > capacity) {
        jpeg_destroy_decompress(&cinfo);
        ic_set_message(message, "image of %ux%u does not fit the pixel buffer", info->width, info->height);
        return IC_TOO_LARGE;
    }
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_width != info->width || cinfo.output_height != info->height) {
        jpeg_destroy_decompress(&cinfo);
        ic_set_message(message, "decoder output size differs from the header");
        return IC_CORRUPT;
    }
    size_t row_bytes = (size_t)info->width * info->channels;
    if (is_cmyk) {
        cmyk_row = malloc((size_t)info->width * 4);
        if (cmyk_row == NULL) {
            jpeg_destroy_decompress(&cinfo);
            ic_set_message(message, "out of memory");
            return IC_NO_MEMORY;
        }
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = pixels + (size_t)cinfo.output_scanline * row_bytes;
        JSAMPROW target = is_cmyk ? cmyk_row : row;
        if (jpeg_read_scanlines(&cinfo, &target, 1) != 1) break;
        if (is_cmyk) cmyk_row_to_rgb(cmyk_row, row, info->width, cinfo.saw_Adobe_marker);
        if (failure.truncated) break; /* the rest would be padding */
    }
    if (!failure.truncated) jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(cmyk_row);
    if (failure.truncated) {
        ic_set_message(message, "premature end of data");
        return IC_TRUNCATED;
    }
    if (failure.corrupt) {
        ic_set_message(message, "%s", failure.warning);
        return IC_CORRUPT;
    }
    return IC_OK;
}

typedef struct {
    struct jpeg_destination_mgr base;
    ic_buffer *out;
    JOCTET chunk[65536];
} memory_destination;

static void destination_init(j_compress_ptr cinfo) {
    memory_destination *destination = (memory_destination *)cinfo->dest;
    destination->base.next_output_byte = destination->chunk;
    destination->base.free_in_buffer = sizeof destination->chunk;
}

static boolean destination_empty(j_compress_ptr cinfo) {
    memory_destination *destination = (memory_destination *)cinfo->dest;
    if (!ic_buffer_append(destination->out, destination->chunk, sizeof destination->chunk)) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
    destination->base.next_output_byte = destination->chunk;
    destination->base.free_in_buffer = sizeof destination->chunk;
    return TRUE;
}

static void destination_term(j_compress_ptr cinfo) {
    memory_destination *destination = (memory_destination *)cinfo->dest;
    size_t used = sizeof destination->chunk - destination->base.free_in_buffer;
    if (!ic_buffer_append(destination->out, destination->chunk, used)) {
        ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    }
}

ic_status ic_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                         int quality, int progressive, ic_buffer *out, char *message) {
    memset(out, 0, sizeof *out);
    if (message) message[0] = '\0';
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION ||
        (channels != 1 && channels != 3 && channels != 4) || quality < 1 || quality > 100) {
        ic_set_message(message, "cannot encode a %ux%u image with %u channels at quality %d as JPEG", width,
                       height, channels, quality);
        return IC_INVALID;
    }
    struct jpeg_compress_struct cinfo;
    jpeg_failure failure;
    memory_destination *volatile destination = malloc(sizeof(memory_destination));
    if (destination == NULL) {
        ic_set_message(message, "out of memory");
        return IC_NO_MEMORY;
    }
    init_failure(&failure, message);
    cinfo.err = &failure.base;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(destination);
        ic_buffer_free(out);
        return failure.base.msg_code == JERR_OUT_OF_MEMORY ? IC_NO_MEMORY : IC_INVALID;
    }
    jpeg_create_compress(&cinfo);
    destination->base.init_destination = destination_init;
    destination->base.empty_output_buffer = destination_empty;
    destination->base.term_destination = destination_term;
    destination->out = out;
    cinfo.dest = &destination->base;
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels == 4 ? 4 : (int)channels;
    /* JPEG has no alpha: JCS_EXT_RGBX reads RGBA rows and ignores the fourth byte. */
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : (channels == 4 ? JCS_EXT_RGBX : JCS_RGB);
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) jpeg_simple_progression(&cinfo);
    jpeg_start_compress(&cinfo, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(destination);
    return IC_OK;
}
