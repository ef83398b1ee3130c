import Config
import Testing

/// `[balance]`: its defaults, a number or "largest" as the target, and refusals naming the key.
struct BalanceConfigTests {
    @Test func defaultsAndValues() throws {
        let none = try ProfileConfigTests.parse("")
        #expect(none.balance == nil)
        let defaults = try #require(try ProfileConfigTests.parse("[balance]\n").balance)
        #expect(defaults.target == .largest && defaults.maxVariantsPerOriginal == 32 && defaults.labels.isEmpty
            && defaults.quietPeriod == nil)
        let set = try #require(try ProfileConfigTests.parse("""
            [balance]
            target = 500
            max_variants_per_original = 12
            labels = ["cats", "owls"]
            quiet_period = "2m"
            """).balance)
        #expect(set.target == .count(500) && set.maxVariantsPerOriginal == 12 && set.labels == ["cats", "owls"]
            && set.quietPeriod == 120)
    }

    @Test func badValuesAreNamed() {
        #expect(ProfileConfigTests.refusal("[balance]\ntarget = \"biggest\"").contains(
            "test.toml: balance.target: must be \"largest\" or a number of train images per label"))
        #expect(ProfileConfigTests.refusal("[balance]\ntarget = 0").contains("balance.target"))
        #expect(ProfileConfigTests.refusal("[balance]\nmax_variants_per_original = 0").contains(
            "balance.max_variants_per_original: must be an integer from 1 to 10000"))
        #expect(ProfileConfigTests.refusal("[balance]\nlabels = [\"a/b\"]").contains("balance.labels: must name label folders"))
        #expect(ProfileConfigTests.refusal("[balance]\ntargets = 3").contains("balance.targets"))
    }
}
