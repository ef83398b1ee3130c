/// EXIF orientation: how the stored pixels must be turned to appear upright.
public enum Orientation: Int, Sendable, Codable, CaseIterable {
    case up = 1                 // as stored
    case mirrored = 2           // flip left-right
    case down = 3               // rotate 180°
    case downMirrored = 4       // flip top-bottom
    case leftMirrored = 5       // transpose (mirror across the main diagonal)
    case right = 6              // rotate 90° clockwise to display
    case rightMirrored = 7      // transverse (mirror across the anti-diagonal)
    case left = 8               // rotate 90° counter-clockwise to display

    public var swapsAxes: Bool { rawValue >= 5 }

    /// Short text for `augmentd inspect`.
    public var summary: String {
        switch self {
        case .up: "1 (upright)"
        case .mirrored: "2 (mirrored)"
        case .down: "3 (rotated 180°)"
        case .downMirrored: "4 (flipped vertically)"
        case .leftMirrored: "5 (transposed)"
        case .right: "6 (rotate 90° clockwise)"
        case .rightMirrored: "7 (transversed)"
        case .left: "8 (rotate 90° counter-clockwise)"
        }
    }
}

extension Image {
    /// The upright image for pixels stored with this EXIF orientation.
    public func applying(_ orientation: Orientation) -> Image {
        if orientation == .up { return self }
        let outWidth = orientation.swapsAxes ? height : width
        let outHeight = orientation.swapsAxes ? width : height
        let channels = self.channels
        let srcWidth = width, srcHeight = height
        // Source index of output (x, y) = base + x * stepX + y * stepY, in pixels.
        let stepX: Int, stepY: Int, base: Int
        switch orientation {
        case .up: (base, stepX, stepY) = (0, 1, srcWidth)
        case .mirrored: (base, stepX, stepY) = (srcWidth - 1, -1, srcWidth)
        case .down: (base, stepX, stepY) = (srcWidth * srcHeight - 1, -1, -srcWidth)
        case .downMirrored: (base, stepX, stepY) = ((srcHeight - 1) * srcWidth, 1, -srcWidth)
        case .leftMirrored: (base, stepX, stepY) = (0, srcWidth, 1)
        case .right: (base, stepX, stepY) = ((srcHeight - 1) * srcWidth, -srcWidth, 1)
        case .rightMirrored: (base, stepX, stepY) = (srcWidth * srcHeight - 1, -srcWidth, -1)
        case .left: (base, stepX, stepY) = (srcWidth - 1, srcWidth, -1)
        }
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in 0..<outHeight {
                    var s = base + y * stepY
                    for _ in 0..<outWidth {
                        let si = s * channels
                        for c in 0..<channels { dst[o + c] = src[si + c] }
                        o += channels
                        s += stepX
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: channels, pixels: out)
    }
}
