import CImageKernels

/// Where the warp's samples go. The sinks live here, beside the sampler, so every warp is
/// specialised for its sink inside this module.
public enum SampleDestination {
    /// `clip(rint(v), 0, 255)`, round half to even.
    case bytes(UnsafeMutablePointer<UInt8>)
    /// Truncated to 8 bits, then through `table` (alpha, when `channels == 4`, left as truncated).
    case bytesThroughTable(UnsafeMutablePointer<UInt8>, table: UnsafePointer<UInt8>, channels: Int)
    /// The Float samples themselves.
    case floats(UnsafeMutablePointer<Float>)
}

extension AffineSampler {
    /// Warps into `destination` (a buffer of width × height × channels elements).
    public func warp(_ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int,
                     into destination: SampleDestination) {
        switch destination {
        case .bytes(let out):
            var sink = QuantizeSink(out: out)
            warp(source, width: width, height: height, channels: channels, into: &sink)
        case .bytesThroughTable(let out, let table, let tableChannels):
            if tableChannels == 4 {
                var sink = TableSinkSkippingAlpha(out: out, table: table)
                warp(source, width: width, height: height, channels: channels, into: &sink)
            } else {
                var sink = TableSink(out: out, table: table)
                warp(source, width: width, height: height, channels: channels, into: &sink)
            }
        case .floats(let out):
            var sink = FloatSink(out: out)
            warp(source, width: width, height: height, channels: channels, into: &sink)
        }
    }
}

struct FloatSink: SampleSink {
    let out: UnsafeMutablePointer<Float>
    @inline(__always) mutating func store(_ index: Int, _ value: Float) { out[index] = value }
    mutating func kernelRun(_ run: KernelRun) { run.call(out + run.outIndex, IK_FLOAT, nil) }
}

struct QuantizeSink: SampleSink {
    let out: UnsafeMutablePointer<UInt8>
    @inline(__always) mutating func store(_ index: Int, _ value: Float) { out[index] = Quantize.roundHalfEven(value) }
    mutating func kernelRun(_ run: KernelRun) {
        if run.fixedPoint {
            run.callFixed(out + run.outIndex)
        } else {
            run.call(out + run.outIndex, IK_ROUND, nil)
        }
    }

    @inline(__always) mutating func storePixel(_ index: Int, _ values: SIMD4<Float>, channels: Int) {
        let bytes = Quantize.roundHalfEven(values)
        out[index] = bytes[0]
        out[index &+ 1] = bytes[1]
        out[index &+ 2] = bytes[2]
        if channels == 4 { out[index &+ 3] = bytes[3] }
    }
}

struct TableSink: SampleSink {
    let out: UnsafeMutablePointer<UInt8>
    let table: UnsafePointer<UInt8>
    @inline(__always) mutating func store(_ index: Int, _ value: Float) {
        out[index] = table[Int(Quantize.truncate(value))]
    }
    mutating func kernelRun(_ run: KernelRun) { run.call(out + run.outIndex, IK_TRUNCATE_TABLE, table) }
}

struct TableSinkSkippingAlpha: SampleSink {
    let out: UnsafeMutablePointer<UInt8>
    let table: UnsafePointer<UInt8>
    @inline(__always) mutating func store(_ index: Int, _ value: Float) {
        let byte = Quantize.truncate(value)
        out[index] = index & 3 == 3 ? byte : table[Int(byte)]
    }
    mutating func kernelRun(_ run: KernelRun) { run.call(out + run.outIndex, IK_TRUNCATE_TABLE, table) }
}
