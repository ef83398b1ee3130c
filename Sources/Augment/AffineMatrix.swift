import Foundation
import Imaging

/// Builds the sampling matrix of a Keras transform (SEMANTICS.md §2.2): M = R·T·S·Z in
/// double, offset to the centre, rows and columns swapped into scipy's (row, col) form.
public enum AffineMatrix {
    /// The matrix for an image of `width` × `height`, or nil when the geometry is the identity.
    public static func sampling(for p: KerasParameters, width: Int, height: Int) -> SamplingMatrix? {
        if p.isGeometricIdentity { return nil }
        let exact = p.geometry == .centered
        var m: Matrix3? = nil
        func append(_ factor: Matrix3) { m = m.map { $0 * factor } ?? factor }
        if p.theta != 0 {
            let (c, s) = cosSin(degrees: p.theta, exactQuarterTurns: exact)
            append(Matrix3([[c, -s, 0], [s, c, 0], [0, 0, 1]]))
        }
        if p.tx != 0 || p.ty != 0 {
            append(Matrix3([[1, 0, p.tx], [0, 1, p.ty], [0, 0, 1]]))
        }
        if p.shear != 0 {
            let (c, s) = cosSin(degrees: p.shear, exactQuarterTurns: exact)
            append(Matrix3([[1, -s, 0], [0, c, 0], [0, 0, 1]]))
        }
        if p.zx != 1 || p.zy != 1 {
            append(Matrix3([[p.zx, 0, 0], [0, p.zy, 0], [0, 0, 1]]))
        }
        guard let m else { return nil }
        // M acts on (x = column, y = row). Keras adds the centre with H on the first axis
        // before swapping (the transposed centre); centered uses the true one.
        let (ox, oy): (Double, Double) = switch p.geometry {
        case .keras: (Double(height) / 2 - 0.5, Double(width) / 2 - 0.5)
        case .centered: (Double(width - 1) / 2, Double(height - 1) / 2)
        }
        let offset = Matrix3([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
        let back = Matrix3([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
        let n = (offset * m) * back
        // P·N·P: swap columns 0 and 1, then rows 0 and 1.
        return SamplingMatrix(a00: n[1, 1], a01: n[1, 0], a10: n[0, 1], a11: n[0, 0], b0: n[1, 2], b1: n[0, 2])
    }

    /// cos and sin of an angle in degrees as numpy computes them (`np.deg2rad` then cos/sin);
    /// with `exactQuarterTurns`, multiples of 90° give exact 0 and ±1 so quarter turns permute pixels.
    static func cosSin(degrees: Double, exactQuarterTurns: Bool) -> (Double, Double) {
        if exactQuarterTurns, degrees.truncatingRemainder(dividingBy: 90) == 0 {
            let quarter = ((Int(degrees / 90) % 4) + 4) % 4
            return [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][quarter]
        }
        let radians = degrees * (Double.pi / 180)
        return (cos(radians), sin(radians))
    }
}

/// A 3×3 double matrix, multiplied as numpy's `np.dot` does for these sizes.
struct Matrix3 {
    var v: [[Double]]
    init(_ v: [[Double]]) { self.v = v }
    subscript(i: Int, j: Int) -> Double { v[i][j] }

    static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        var out = [[Double]](repeating: [0, 0, 0], count: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                out[i][j] = a.v[i][0] * b.v[0][j] + a.v[i][1] * b.v[1][j] + a.v[i][2] * b.v[2][j]
            }
        }
        return Matrix3(out)
    }
}
