/// Which geometry a profile uses for rotation, shifts, shear, zoom and wrap.
public enum Geometry: String, Sendable, Codable, CaseIterable {
    /// What the parameter names say: about the true image centre, width shifts move content
    /// horizontally and height shifts vertically, wrap repeats with period n.
    case centered
    /// Bit for bit what tf.keras / Keras 3 produces, quirks included (SEMANTICS.md §2): the
    /// transposed centre on non-square images, height_shift_range moving content horizontally,
    /// wrap with period n-1.
    case keras
}
