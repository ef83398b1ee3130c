import Imaging

/// One fully drawn Keras transform: the `transform_parameters` of `apply_transform` plus the
/// generator's fill settings. Also what the ledger keeps for each variant.
public struct KerasParameters: Sendable, Equatable, Codable {
    /// Degrees; > 0 turns the content counter-clockwise.
    public var theta: Double = 0
    /// Pixels; > 0 moves the content left (a column shift).
    public var tx: Double = 0
    /// Pixels; > 0 moves the content up (a row shift).
    public var ty: Double = 0
    /// Degrees (an angle, not a slope).
    public var shear: Double = 0
    /// Scale factors; < 1 enlarges the content.
    public var zx: Double = 1
    public var zy: Double = 1
    public var flipHorizontal = false
    public var flipVertical = false
    /// Added to every channel (alpha included), clipped to the image's global min/max.
    public var channelShiftIntensity: Double? = nil
    /// PIL brightness factor.
    public var brightness: Double? = nil
    public var fillMode: FillMode = .nearest
    public var cval: Double = 0
    public var geometry: Geometry = .centered

    public init() {}

    enum CodingKeys: String, CodingKey {
        case theta, tx, ty, shear, zx, zy
        case flipHorizontal = "flip_horizontal"
        case flipVertical = "flip_vertical"
        case channelShiftIntensity = "channel_shift_intensity"
        case brightness
        case fillMode = "fill_mode"
        case cval, geometry
    }

    /// True when the affine part changes nothing, so Keras skips resampling altogether.
    public var isGeometricIdentity: Bool {
        theta == 0 && tx == 0 && ty == 0 && shear == 0 && zx == 1 && zy == 1
    }
}
