/*
 * libFuzzer harness for the C codec boundary (Sources/CImageCodecs): probe, then decode into
 * a buffer sized from the probe, exactly as Swift's ImageDecoder does. Run with Fuzz/run.sh.
 */
#include "image_codecs.h"

#include <stdint.h>
#include <stdlib.h>

static void decode(int is_png, const uint8_t *data, size_t size) {
    ic_info info;
    char message[IC_MESSAGE_CAPACITY];
    ic_status status = is_png ? ic_png_probe(data, size, &info, message) : ic_jpeg_probe(data, size, &info, message);
    if (status != IC_OK) return;
    uint64_t bytes = (uint64_t)info.width * info.height * info.channels;
    if (bytes == 0 || bytes > (16u << 20)) return; /* the pixel limit, scaled down for speed */
    uint8_t *pixels = malloc((size_t)bytes);
    if (pixels == NULL) return;
    if (is_png) ic_png_decode(data, size, pixels, (size_t)bytes, &info, message);
    else ic_jpeg_decode(data, size, pixels, (size_t)bytes, 100, &info, message);
    free(pixels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    /* The first byte picks the decoder so one corpus exercises both. */
    int is_png = data[0] == 0x89;
    decode(is_png, data, size);
    return 0;
}
