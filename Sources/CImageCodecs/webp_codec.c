/*
 * WebP through libwebp: features and EXIF from the container (libwebpdemux), pixels decoded
 * into the caller's buffer, variants encoded with the simple API. libwebp reports errors by
 * status codes (no longjmp), mapped here to ic_status with a message.
 */
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>

#include "image_codecs.h"
#include "internal.h"

static ic_status webp_status(VP8StatusCode code, char *message, const char *what) {
    switch (code) {
    case VP8_STATUS_OK: return IC_OK;
    case VP8_STATUS_NOT_ENOUGH_DATA:
        ic_set_message(message, "premature end of data");
        return IC_TRUNCATED;
    case VP8_STATUS_OUT_OF_MEMORY:
        ic_set_message(message, "out of memory while %s", what);
        return IC_NO_MEMORY;
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        ic_set_message(message, "a WebP feature libwebp does not decode (%s)", what);
        return IC_UNSUPPORTED;
    case VP8_STATUS_BITSTREAM_ERROR:
        ic_set_message(message, "invalid WebP data (%s)", what);
        return IC_CORRUPT;
    default:
        ic_set_message(message, "libwebp error %d while %s", (int)code, what);
        return IC_CORRUPT;
    }
}

/* EXIF orientation from the container's EXIF chunk (with or without the "Exif\0\0" prefix some
   writers keep); 1 when there is none. */
static uint32_t webp_orientation(const uint8_t *data, size_t size) {
    WebPData whole = {data, size};
    WebPDemuxer *demux = WebPDemux(&whole);
    if (demux == NULL) return 1;
    uint32_t orientation = 1;
    WebPChunkIterator chunk;
    if ((WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & EXIF_FLAG) && WebPDemuxGetChunk(demux, "EXIF", 1, &chunk)) {
        const uint8_t *tiff = chunk.chunk.bytes;
        size_t length = chunk.chunk.size;
        if (length >= 6 && memcmp(tiff, "Exif\0\0", 6) == 0) {
            tiff += 6;
            length -= 6;
        }
        uint32_t found = ic_exif_orientation(tiff, length);
        if (found >= 1 && found <= 8) orientation = found;
        WebPDemuxReleaseChunkIterator(&chunk);
    }
    WebPDemuxDelete(demux);
    return orientation;
}

static uint32_t webp_frames(const uint8_t *data, size_t size) {
    WebPData whole = {data, size};
    WebPDemuxer *demux = WebPDemux(&whole);
    if (demux == NULL) return 0;
    uint32_t frames = WebPDemuxGetI(demux, WEBP_FF_FRAME_COUNT);
    WebPDemuxDelete(demux);
    return frames;
}

ic_status ic_webp_probe(const uint8_t *data, size_t size, ic_info *info, char *message) {
    memset(info, 0, sizeof *info);
    WebPBitstreamFeatures features;
    ic_status status = webp_status(WebPGetFeatures(data, size, &features), message, "reading the header");
    if (status != IC_OK) return status;
    if (features.has_animation) {
        uint32_t frames = webp_frames(data, size);
        if (frames > 0) {
            ic_set_message(message, "an animated WebP (%u frames): only still images are augmented", frames);
        } else {
            ic_set_message(message, "an animated WebP: only still images are augmented");
        }
        return IC_UNSUPPORTED;
    }
    info->width = (uint32_t)features.width;
    info->height = (uint32_t)features.height;
    info->channels = features.has_alpha ? 4 : 3;
    info->source_channels = info->channels;
    info->bit_depth = 8;
    info->color_type = (uint32_t)features.format; /* 0 mixed, 1 lossy, 2 lossless */
    info->interlaced = 0;
    info->orientation = webp_orientation(data, size);
    return IC_OK;
}

ic_status ic_webp_decode(const uint8_t *data, size_t size, uint8_t *pixels, size_t capacity, ic_info *info,
                         char *message) {
    ic_status status = ic_webp_probe(data, size, info, message);
    if (status != IC_OK) return status;
    size_t needed;
    if (!ic_pixel_bytes(info->width, info->height, info->channels, &needed) || needed > capacity) {
        ic_set_message(message, "the image needs %zu bytes, the buffer has %zu", needed, capacity);
        return IC_TOO_LARGE;
    }
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        ic_set_message(message, "libwebp version mismatch");
        return IC_INVALID;
    }
    config.output.colorspace = info->channels == 4 ? MODE_RGBA : MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = pixels;
    config.output.u.RGBA.stride = (int)(info->width * info->channels);
    config.output.u.RGBA.size = needed;
    status = webp_status(WebPDecode(data, size, &config), message, "decoding");
    WebPFreeDecBuffer(&config.output);
    return status;
}

ic_status ic_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, int quality,
                         int lossless, ic_buffer *out, char *message) {
    memset(out, 0, sizeof *out);
    if (width == 0 || height == 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION ||
        channels < 1 || channels > 4) {
        ic_set_message(message, "cannot encode a %ux%u image with %u channels as WebP", width, height, channels);
        return IC_INVALID;
    }
    /* WebP has no grey or grey+alpha: spread grey to RGB (alpha kept). */
    uint8_t *expanded = NULL;
    uint32_t used = channels;
    const uint8_t *source = pixels;
    if (channels <= 2) {
        used = channels == 1 ? 3 : 4;
        size_t bytes;
        if (!ic_pixel_bytes(width, height, used, &bytes) || (expanded = malloc(bytes)) == NULL) {
            ic_set_message(message, "out of memory while encoding WebP");
            return IC_NO_MEMORY;
        }
        for (size_t i = 0, n = (size_t)width * height; i < n; i++) {
            uint8_t grey = pixels[i * channels];
            expanded[i * used] = expanded[i * used + 1] = expanded[i * used + 2] = grey;
            if (used == 4) expanded[i * used + 3] = pixels[i * channels + 1];
        }
        source = expanded;
    }
    int stride = (int)(width * used);
    float q = (float)(quality < 0 ? 0 : (quality > 100 ? 100 : quality));
    uint8_t *encoded = NULL;
    size_t size;
    if (lossless) {
        size = used == 4 ? WebPEncodeLosslessRGBA(source, (int)width, (int)height, stride, &encoded)
                         : WebPEncodeLosslessRGB(source, (int)width, (int)height, stride, &encoded);
    } else {
        size = used == 4 ? WebPEncodeRGBA(source, (int)width, (int)height, stride, q, &encoded)
                         : WebPEncodeRGB(source, (int)width, (int)height, stride, q, &encoded);
    }
    free(expanded);
    if (size == 0 || encoded == NULL) {
        WebPFree(encoded);
        ic_set_message(message, "libwebp could not encode the image");
        return IC_NO_MEMORY;
    }
    int appended = ic_buffer_append(out, encoded, size);
    WebPFree(encoded);
    if (!appended) {
        ic_set_message(message, "out of memory while encoding WebP");
        return IC_NO_MEMORY;
    }
    return IC_OK;
}
