/*
 * libFuzzer harness for the C codec boundary (PNG, JPEG, WebP, TIFF) (Sources/CImageCodecs): probe, then decode into
 * a buffer sized from the probe, exactly as Swift's ImageDecoder does. Run with Fuzz/run.sh.
 */
#include "image_codecs.h"

#include <stdint.h>
#include <stdlib.h>

typedef enum { PNG, JPEG, WEBP, TIFF } format;

static ic_status probe(format f, const uint8_t *data, size_t size, ic_info *info, char *message) {
    switch (f) {
    case PNG: return ic_png_probe(data, size, info, message);
    case WEBP: return ic_webp_probe(data, size, info, message);
    case TIFF: return ic_tiff_probe(data, size, info, message);
    default: return ic_jpeg_probe(data, size, info, message);
    }
}

static void decode(format f, const uint8_t *data, size_t size) {
    ic_info info;
    char message[IC_MESSAGE_CAPACITY];
    if (probe(f, data, size, &info, message) != IC_OK) return;
    uint64_t bytes = (uint64_t)info.width * info.height * info.channels;
    if (bytes == 0 || bytes > (16u << 20)) return; /* the pixel limit, scaled down for speed */
    uint8_t *pixels = malloc((size_t)bytes);
    if (pixels == NULL) return;
    switch (f) {
    case PNG: ic_png_decode(data, size, pixels, (size_t)bytes, &info, message); break;
    case WEBP: ic_webp_decode(data, size, pixels, (size_t)bytes, &info, message); break;
    case TIFF: ic_tiff_decode(data, size, pixels, (size_t)bytes, &info, message); break;
    default: ic_jpeg_decode(data, size, pixels, (size_t)bytes, 100, &info, message); break;
    }
    free(pixels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    /* The first bytes pick the decoder (as the sniffer does), so one corpus exercises all four. */
    format f = data[0] == 0x89 ? PNG
             : data[0] == 'R' ? WEBP
             : (data[0] == 'I' || data[0] == 'M') ? TIFF
             : JPEG;
    decode(f, data, size);
    return 0;
}
