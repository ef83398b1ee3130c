import ArgumentParser
import Augment
import Config
import Foundation

/// `augmentd check-config FILE`: validate a configuration and print it with every default filled in.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and print the effective configuration.",
        discussion: "Exit status 0 when the file is valid; otherwise the error names the file, the key and what is allowed.")

    @Argument(help: "The configuration file (TOML).")
    var file: String

    @Flag(help: "Do not require the inboxes to exist (to check a file before deploying it).")
    var skipPathChecks = false

    func run() throws {
        let config = try CLIErrors.loadConfiguration(file, checkPaths: !skipPathChecks)
        print(EffectiveConfig.render(config), terminator: "")
    }
}

/// The configuration as TOML, defaults included, in the order of the design document.
enum EffectiveConfig {
    static func render(_ c: Configuration) -> String {
        var out = "# effective configuration of \(c.file)\n\n[daemon]\n"
        out += "dataset_root = \(quoted(c.daemon.datasetRoot))\n"
        out += "state_dir = \(quoted(c.daemon.stateDir))\n"
        out += "workers = \(c.daemon.workers)\n"
        out += "max_pixels = \(c.daemon.maxPixels)\n"
        out += "rescan_interval = \(quoted(duration(c.daemon.rescanInterval)))\n"
        out += "metrics_file = \(quoted(c.daemon.metricsFile))\n"
        out += "node_name = \(quoted(c.daemon.nodeName))\n"
        out += "\n[ledger]\n"
        out += "url = \(quoted(c.ledger.url))\n"
        out += "lease = \(quoted(duration(c.ledger.lease)))\n"
        for name in c.profiles.keys.sorted() {
            let p = c.profiles[name]!
            out += "\n[profiles.\(name)]\n"
            out += "variants = \(p.variants)\n"
            out += "rotation_range = \(p.rotationRange)\n"
            out += "width_shift_range = \(shift(p.widthShiftRange))\n"
            out += "height_shift_range = \(shift(p.heightShiftRange))\n"
            out += "shear_range = \(p.shearRange)\n"
            out += "zoom_range = [\(p.zoomRange.low), \(p.zoomRange.high)]\n"
            out += "horizontal_flip = \(p.horizontalFlip)\n"
            out += "vertical_flip = \(p.verticalFlip)\n"
            if let b = p.brightnessRange { out += "brightness_range = [\(b.low), \(b.high)]\n" }
            out += "channel_shift_range = \(p.channelShiftRange)\n"
            out += "fill_mode = \(quoted(p.fillMode.rawValue))\n"
            out += "geometry = \(quoted(p.geometry.rawValue))\n"
            out += "cval = \(p.cval)\n"
            out += "contrast_stretching = \(p.contrastStretching)\n"
            out += "histogram_equalization = \(p.histogramEqualization)\n"
            out += "adaptive_equalization = \(p.adaptiveEqualization)\n"
            out += "adaptive_clip_limit = \(p.adaptiveClipLimit)\n"
            out += "format = \(quoted(p.format.rawValue))\n"
            out += "jpeg_quality = \(p.jpegQuality)\n"
            out += "png_compression = \(p.pngCompression)\n"
        }
        for w in c.watches {
            out += "\n[[watch]]\n"
            out += "inbox = \(quoted(w.inbox))\n"
            out += "profile = \(quoted(w.profile))\n"
            out += "label = \(quoted(w.label))\n"
            out += "val_fraction = \(w.valFraction)\n"
            out += "on_success = \(quoted(w.onSuccess.rawValue))\n"
        }
        if let r = c.retrain {
            out += "\n[retrain]\n"
            out += "command = [\(r.command.map(quoted).joined(separator: ", "))]\n"
            out += "min_new_originals = \(r.minNewOriginals)\n"
            out += "min_new_per_label = \(r.minNewPerLabel)\n"
            out += "quiet_period = \(quoted(duration(r.quietPeriod)))\n"
            out += "min_interval = \(quoted(duration(r.minInterval)))\n"
            out += "timeout = \(quoted(duration(r.timeout)))\n"
            out += "stop_grace = \(quoted(duration(r.stopGrace)))\n"
        }
        if let b = c.balance {
            out += "\n[balance]\n"
            switch b.target {
            case .largest: out += "target = \"largest\"\n"
            case .count(let n): out += "target = \(n)\n"
            }
            out += "max_variants_per_original = \(b.maxVariantsPerOriginal)\n"
            out += "labels = [\(b.labels.map(quoted).joined(separator: ", "))]\n"
            if let quiet = b.quietPeriod { out += "quiet_period = \(quoted(duration(quiet)))\n" }
        }
        return out
    }

    static func quoted(_ s: String) -> String {
        var escaped = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += String(format: "\\u%04X", scalar.value)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"\(escaped)\""
    }

    static func duration(_ seconds: Double) -> String {
        if seconds == 0 { return "0" }
        for (unit, size) in [("d", 86400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0)]
        where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return "\(Int((seconds * 1000).rounded()))ms"
    }

    static func shift(_ range: ShiftRange) -> String {
        switch range {
        case .uniform(let r): "\(r)"
        case .choice(let values): "[\(values.map { "\($0)" }.joined(separator: ", "))]"
        }
    }
}
