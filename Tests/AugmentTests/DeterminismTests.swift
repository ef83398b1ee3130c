import Augment
import Codecs
import Hashing
import Testing
import TestSupport

/// Same bytes + same profile + same k ⇒ the same parameters and the same output bytes.
struct DeterminismTests {
    static var profile: Profile {
        var p = Profile()
        p.variants = 4
        p.rotationRange = 25
        p.widthShiftRange = .uniform(0.2)
        p.heightShiftRange = .uniform(0.1)
        p.shearRange = 10
        p.zoomRange = ZoomRange(low: 0.8, high: 1.2)
        p.horizontalFlip = true
        p.brightnessRange = ZoomRange(low: 0.7, high: 1.3)
        p.channelShiftRange = 20
        p.contrastStretching = 0.5
        p.adaptiveEqualization = 0.5
        p.histogramEqualization = 0.5
        p.format = .jpeg
        return p
    }

    static let image = CenteredGeometryTests.randomImage(width: 48, height: 32, channels: 3, seed: 9)
    static let hash = SHA256Digest.of(Array("the original's bytes".utf8))

    @Test func sameInputsGiveSameParametersAndBytes() throws {
        let profile = Self.profile
        let profileHash = profile.canonicalHash
        for k in 1...4 {
            let a = profile.drawParameters(contentHash: Self.hash, profileHash: profileHash, variant: k, width: 48, height: 32)
            let b = profile.drawParameters(contentHash: Self.hash, profileHash: profileHash, variant: k, width: 48, height: 32)
            #expect(a == b)
            var first = VariantRenderer(), second = VariantRenderer()
            // A renderer that has already worked on other images must give the same result.
            _ = second.render(a, from: CenteredGeometryTests.randomImage(width: 64, height: 64, channels: 3))
            let x = try ImageEncoder.encode(first.render(a, from: Self.image), as: .jpeg(quality: 90))
            let y = try ImageEncoder.encode(second.render(b, from: Self.image), as: .jpeg(quality: 90))
            #expect(x == y)
        }
    }

    @Test func variantsDifferFromEachOther() {
        let profile = Self.profile
        let draws = (1...4).map {
            profile.drawParameters(contentHash: Self.hash, profileHash: profile.canonicalHash, variant: $0, width: 48, height: 32)
        }
        #expect(Set(draws.map(\.keras.theta)).count == 4)
    }

    /// Every setting takes part: each one changed on its own gives a hash of its own.
    @Test func everySettingChangesTheProfileHash() {
        let base = Profile()
        let edits: [(String, (inout Profile) -> Void)] = [
            ("variants", { $0.variants = 9 }), ("rotation_range", { $0.rotationRange = 1 }),
            ("width_shift_range", { $0.widthShiftRange = .uniform(0.1) }), ("height_shift_range", { $0.heightShiftRange = .choice([2]) }),
            ("shear_range", { $0.shearRange = 1 }), ("zoom_range", { $0.zoomRange = ZoomRange(low: 0.9, high: 1) }),
            ("horizontal_flip", { $0.horizontalFlip = true }), ("vertical_flip", { $0.verticalFlip = true }),
            ("brightness_range", { $0.brightnessRange = ZoomRange(low: 1, high: 1) }),
            ("channel_shift_range", { $0.channelShiftRange = 1 }), ("fill_mode", { $0.fillMode = .wrap }),
            ("geometry", { $0.geometry = .keras }), ("cval", { $0.cval = 1 }), ("contrast_stretching", { $0.contrastStretching = 0.5 }),
            ("histogram_equalization", { $0.histogramEqualization = 0.5 }), ("adaptive_equalization", { $0.adaptiveEqualization = 0.5 }),
            ("adaptive_clip_limit", { $0.adaptiveClipLimit = 0.01 }), ("format", { $0.format = .png }),
            ("jpeg_quality", { $0.jpegQuality = 90 }), ("png_compression", { $0.pngCompression = 6 }),
            ("a shift list, not a range", { $0.widthShiftRange = .choice([0.1]) }),
        ]
        var hashes = [base.canonicalHash]
        for (name, edit) in edits {
            var profile = base
            edit(&profile)
            #expect(!hashes.contains(profile.canonicalHash), "\(name) does not change the hash")
            hashes.append(profile.canonicalHash)
        }
    }

    /// The encoding is pinned: if it ever changes, every dataset's variants would be reseeded on
    /// upgrade, so this test must be changed knowingly (and the version line raised).
    @Test func theCanonicalEncodingIsStable() {
        var profile = Profile()
        profile.rotationRange = 20
        profile.widthShiftRange = .uniform(0.1)
        profile.zoomRange = ZoomRange(low: 0.8, high: 1.2)
        profile.horizontalFlip = true
        profile.contrastStretching = 0.5
        #expect(profile.canonicalText == """
            contrast_stretching=0.5
            horizontal_flip=true
            rotation_range=20.0
            width_shift_range=uniform(0.1)
            zoom_range=[0.8,1.2]

            """)
        #expect(Profile().canonicalText.isEmpty)
    }

    @Test func drawsFollowKerasRangeMeanings() {
        var profile = Profile()
        profile.rotationRange = 20
        profile.widthShiftRange = .uniform(0.2)
        profile.heightShiftRange = .choice([3, 5])
        profile.zoomRange = ZoomRange(low: 0.8, high: 1.2)
        profile.brightnessRange = ZoomRange(low: 0.5, high: 0.6)
        profile.contrastStretching = 1
        let profileHash = profile.canonicalHash
        for k in 1...200 {
            let p = profile.drawParameters(contentHash: Self.hash, profileHash: profileHash, variant: k, width: 100, height: 50)
            #expect(abs(p.keras.theta) <= 20)
            #expect(abs(p.keras.tx) <= 20)                      // 0.2 × width 100, horizontal
            #expect([3.0, 5.0].contains(abs(p.keras.ty)))       // a listed pixel count with a sign
            #expect((0.8...1.2).contains(p.keras.zx) && (0.8...1.2).contains(p.keras.zy))
            #expect(!p.keras.flipHorizontal && !p.keras.flipVertical)
            #expect((0.5...0.6).contains(p.keras.brightness ?? -1))
            #expect(p.keras.channelShiftIntensity == nil)
            #expect(p.contrastStretching && !p.adaptiveEqualization && !p.histogramEqualization)
        }
    }

    @Test func kerasGeometryDrawsTxFromHeightShiftRange() {
        var profile = Profile()
        profile.geometry = .keras
        profile.heightShiftRange = .uniform(0.1)  // × height 50 → |tx| ≤ 5
        let hash = profile.canonicalHash
        let draws = (1...100).map {
            profile.drawParameters(contentHash: Self.hash, profileHash: hash, variant: $0, width: 100, height: 50)
        }
        #expect(draws.allSatisfy { abs($0.keras.tx) <= 5 && $0.keras.ty == 0 })
        #expect(draws.contains { abs($0.keras.tx) > 2.5 })
    }
}
