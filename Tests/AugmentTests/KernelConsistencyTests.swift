import Augment
import Codecs
import Imaging
import Testing

/// The SIMD kernels give the same bytes on every CPU: the AVX2 and the portable SSE2 code paths
/// agree exactly, for every fill mode, channel count and output kind, in both geometries (the
/// centered one takes the fixed-point sampler).
@Suite(.serialized)
struct KernelConsistencyTests {
    @Test(arguments: FillMode.allCases, [1, 3, 4])
    func avx2AndPortablePathsAgree(mode: FillMode, channels: Int) {
        let image = CenteredGeometryTests.randomImage(width: 37, height: 23, channels: channels, seed: 5)
        var cases = [KerasParameters]()
        for (theta, shift, zoom, brightness, channelShift) in [
            (30.0, 0.0, 1.0, nil as Double?, nil as Double?), (-12.5, 7.3, 0.8, 1.3, nil), (200.0, -4.0, 1.25, nil, 15.5),
            // zoomed far out and shifted: coordinates several periods away from the source
            (15.0, 40.0, 3.5, nil, nil), (-45.0, -60.0, 4.0, nil, nil),
        ] {
            var p = KerasParameters()
            p.theta = theta
            p.tx = shift
            p.ty = -shift / 2
            p.zx = zoom
            p.zy = 1 / zoom
            p.brightness = brightness
            p.channelShiftIntensity = channelShift
            p.fillMode = mode
            p.cval = 77
            p.flipHorizontal = theta < 0
            p.geometry = .keras
            cases.append(p)
            p.geometry = .centered
            cases.append(p)
        }
        for p in cases {
            var fast = KerasTransform(), portable = KerasTransform()
            let a = fast.apply(p, to: image)
            AffineSampler.forcePortableKernels(true)
            let b = portable.apply(p, to: image)
            AffineSampler.forcePortableKernels(false)
            #expect(a == b, "\(mode) \(channels) channels: \(p)")
        }
    }

    /// The table kernel (AVX-512 where the CPU has it) against a plain lookup, alpha untouched,
    /// on lengths that leave a tail.
    @Test(arguments: [1, 3, 4])
    func tablesMapEveryColourByteAndKeepAlpha(channels: Int) {
        let image = CenteredGeometryTests.randomImage(width: 29, height: 13, channels: channels, seed: 8)
        let table = LookupTable((0..<256).map { UInt8((($0 * 7) + 13) & 255) })
        for forcePortable in [false, true] {
            var mapped = image
            AffineSampler.forcePortableKernels(forcePortable)
            table.apply(to: &mapped)
            AffineSampler.forcePortableKernels(false)
            for (i, (before, after)) in zip(image.pixels, mapped.pixels).enumerated() {
                let isAlpha = channels == 4 && i % 4 == 3
                #expect(after == (isAlpha ? before : table.table[Int(before)]), "byte \(i), portable \(forcePortable)")
                if after != (isAlpha ? before : table.table[Int(before)]) { return }
            }
        }
    }

    /// Flips, brightness and channel shift without resampling (byte maps and row reversal, AVX-512
    /// where the CPU has it) give the portable path's bytes, on widths that leave partial blocks.
    @Test(arguments: [1, 3, 4])
    func pointOperationsAgreeAcrossPaths(channels: Int) {
        for width in [1, 20, 21, 43, 64, 70, 131, 1920] {
            let image = CenteredGeometryTests.randomImage(width: width, height: 5, channels: channels, seed: UInt64(width))
            for (flip, brightness, shift) in [(true, nil as Double?, nil as Double?), (false, 1.2, nil), (true, 0.7, 20.0), (false, nil, -15.0)] {
                var p = KerasParameters()
                p.flipHorizontal = flip
                p.flipVertical = !flip
                p.brightness = brightness
                p.channelShiftIntensity = shift
                var fast = KerasTransform(), portable = KerasTransform()
                let a = fast.apply(p, to: image)
                AffineSampler.forcePortableKernels(true)
                let b = portable.apply(p, to: image)
                AffineSampler.forcePortableKernels(false)
                #expect(a == b, "width \(width), \(channels) channels: \(p)")
            }
        }
    }

    /// CLAHE's passes (value channel, blend, rescale to colour; AVX-512 where the CPU has it) give
    /// the scalar path's bytes, on sizes that leave partial 16-pixel blocks, with black pixels
    /// (whose colour comes from the value alone) and a smooth gradient as well as noise.
    @Test(arguments: [1, 3, 4])
    func adaptiveEqualizationAgreesAcrossPaths(channels: Int) {
        for (width, height) in [(1, 9), (15, 4), (16, 16), (17, 33), (70, 21), (131, 40)] {
            var noise = CenteredGeometryTests.randomImage(width: width, height: height, channels: channels, seed: UInt64(width))
            for i in stride(from: 0, to: width * height, by: 5) {
                for k in 0..<min(channels, 3) { noise.pixels[i * channels + k] = 0 }
            }
            let gradient = Image(width: width, height: height, channels: channels, pixels: (0..<(width * height * channels)).map {
                UInt8(truncatingIfNeeded: ($0 / channels % width) * 3 + ($0 / channels / width) * 2 + $0 % channels * 40)
            })
            for image in [noise, gradient] {
                var fast = image, portable = image
                AdaptiveEqualization.apply(to: &fast)
                AffineSampler.forcePortableKernels(true)
                AdaptiveEqualization.apply(to: &portable)
                AffineSampler.forcePortableKernels(false)
                #expect(fast == portable, "\(width)x\(height), \(channels) channels")
                #expect(fast != image || width * height < 4, "CLAHE changed nothing on \(width)x\(height)")
            }
        }
    }

    /// A horizontal flip moves whole pixels: pixel c lands at width-1-c, channels in order.
    @Test(arguments: [1, 3, 4])
    func horizontalFlipsReversePixels(channels: Int) {
        let image = CenteredGeometryTests.randomImage(width: 67, height: 3, channels: channels, seed: 4)
        var p = KerasParameters()
        p.flipHorizontal = true
        var transform = KerasTransform()
        let flipped = transform.apply(p, to: image)
        for r in 0..<3 {
            for c in 0..<67 {
                for k in 0..<channels {
                    let from = (r * 67 + c) * channels + k, to = (r * 67 + 66 - c) * channels + k
                    #expect(flipped.pixels[to] == image.pixels[from])
                    if flipped.pixels[to] != image.pixels[from] { return }
                }
            }
        }
    }
}
