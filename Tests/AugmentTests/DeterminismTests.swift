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

    @Test func profileHashChangesWithAnySetting() {
        var changed = Self.profile
        #expect(changed.canonicalHash == Self.profile.canonicalHash)
        changed.rotationRange = 26
        #expect(changed.canonicalHash != Self.profile.canonicalHash)
        var quality = Self.profile
        quality.jpegQuality = 80
        #expect(quality.canonicalHash != Self.profile.canonicalHash)
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
