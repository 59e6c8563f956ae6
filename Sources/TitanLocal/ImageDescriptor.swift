import Foundation

/// A deterministic visual descriptor: colour (soft HSV histogram), texture/edges
/// (gradient-orientation histograms on a 2×2 grid) and coarse layout (4×4 grid of
/// mean colours), computed on a fixed 64×64 resampling so that resizing or
/// re-encoding a picture barely moves it.
///
/// It is not a learned embedding and is not aligned with text vectors.
public enum ImageDescriptor {
    static let side = 64
    static let hueBins = 8, saturationBins = 3, valueBins = 3
    static let colorLength = hueBins * saturationBins * valueBins
    static let orientationBins = 8, edgeCells = 2
    static let edgeLength = orientationBins * edgeCells * edgeCells
    static let layoutCells = 4
    static let layoutLength = layoutCells * layoutCells * 3
    /// Relative weights of the three blocks after each is normalised.
    static let weights: (color: Float, edges: Float, layout: Float) = (1.0, 0.7, 0.8)

    /// Length of the descriptor.
    public static let dimension = colorLength + edgeLength + layoutLength
    /// JPEGs may be decoded with DCT scaling down to this shorter side.
    public static let decodeMinSide = 2 * side

    /// The unit-length descriptor of `image`.
    public static func describe(_ image: RGBImage) -> [Float] {
        let n = side
        // Area-average resample to n×n RGB in [0, 1].
        var r = [Float](repeating: 0, count: n * n), g = r, b = r
        image.pixels.withUnsafeBufferPointer { p in
            for oy in 0..<n {
                let y0 = oy * image.height / n
                let y1 = max(y0 + 1, (oy + 1) * image.height / n)
                for ox in 0..<n {
                    let x0 = ox * image.width / n
                    let x1 = max(x0 + 1, (ox + 1) * image.width / n)
                    var sr = 0, sg = 0, sb = 0
                    for y in y0..<y1 {
                        var i = (y * image.width + x0) * 3
                        for _ in x0..<x1 { sr += Int(p[i]); sg += Int(p[i + 1]); sb += Int(p[i + 2]); i += 3 }
                    }
                    let scale = 1 / (255 * Float((y1 - y0) * (x1 - x0)))
                    r[oy * n + ox] = Float(sr) * scale
                    g[oy * n + ox] = Float(sg) * scale
                    b[oy * n + ox] = Float(sb) * scale
                }
            }
        }

        // Colour: joint HSV histogram with linear (soft) binning, hue circular.
        var color = [Float](repeating: 0, count: colorLength)
        for i in 0..<(n * n) {
            let (h, s, v) = hsv(r[i], g[i], b[i])
            let (h0, h1, hf) = softBin(h * Float(hueBins), bins: hueBins, circular: true)
            let (s0, s1, sf) = softBin(s * Float(saturationBins), bins: saturationBins, circular: false)
            let (v0, v1, vf) = softBin(v * Float(valueBins), bins: valueBins, circular: false)
            for (hb, hw) in [(h0, 1 - hf), (h1, hf)] {
                for (sb, sw) in [(s0, 1 - sf), (s1, sf)] {
                    for (vb, vw) in [(v0, 1 - vf), (v1, vf)] {
                        color[(hb * saturationBins + sb) * valueBins + vb] += hw * sw * vw
                    }
                }
            }
        }
        // A power below 1 so that one dominant colour does not drown the rest (0.75 rather
        // than a square root, which over-weights the mixed colours of JPEG edges).
        color = color.map { powf($0, 0.75) }

        // Edges: Sobel on luminance; unsigned orientation histogram weighted by magnitude.
        var luminance = [Float](repeating: 0, count: n * n)
        for i in 0..<(n * n) { luminance[i] = 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i] }
        var edges = [Float](repeating: 0, count: edgeLength)
        for y in 1..<(n - 1) {
            for x in 1..<(n - 1) {
                func l(_ dx: Int, _ dy: Int) -> Float { luminance[(y + dy) * n + x + dx] }
                let gx = (l(1, -1) + 2 * l(1, 0) + l(1, 1)) - (l(-1, -1) + 2 * l(-1, 0) + l(-1, 1))
                let gy = (l(-1, 1) + 2 * l(0, 1) + l(1, 1)) - (l(-1, -1) + 2 * l(0, -1) + l(1, -1))
                let magnitude = (gx * gx + gy * gy).squareRoot()
                guard magnitude > 0.02 else { continue }
                var angle = atan2f(gy, gx)
                if angle < 0 { angle += .pi }
                if angle >= .pi { angle -= .pi }
                let (o0, o1, of) = softBin(angle / .pi * Float(orientationBins), bins: orientationBins, circular: true)
                let cell = (y * edgeCells / n) * edgeCells + (x * edgeCells / n)
                edges[cell * orientationBins + o0] += magnitude * (1 - of)
                edges[cell * orientationBins + o1] += magnitude * of
            }
        }
        edges = edges.map { $0.squareRoot() }

        // Layout: mean colour per cell of a 4×4 grid, centred on the picture's mean colour
        // so that it describes where colours sit rather than repeating the histogram.
        var layout = [Float](repeating: 0, count: layoutLength)
        let cell = n / layoutCells
        var mean: (Float, Float, Float) = (0, 0, 0)
        for i in 0..<(n * n) { mean.0 += r[i]; mean.1 += g[i]; mean.2 += b[i] }
        mean = (mean.0 / Float(n * n), mean.1 / Float(n * n), mean.2 / Float(n * n))
        for y in 0..<n {
            for x in 0..<n {
                let c = ((y / cell) * layoutCells + x / cell) * 3
                layout[c] += r[y * n + x] - mean.0
                layout[c + 1] += g[y * n + x] - mean.1
                layout[c + 2] += b[y * n + x] - mean.2
            }
        }

        var descriptor: [Float] = []
        descriptor.reserveCapacity(dimension)
        descriptor += normalized(color, weight: weights.color)
        descriptor += normalized(edges, weight: weights.edges)
        descriptor += normalized(layout, weight: weights.layout)
        return normalized(descriptor, weight: 1)
    }

    /// Hue in [0, 1), saturation and value in [0, 1].
    static func hsv(_ r: Float, _ g: Float, _ b: Float) -> (Float, Float, Float) {
        let maxC = max(r, g, b), minC = min(r, g, b)
        let delta = maxC - minC
        let s = maxC > 0 ? delta / maxC : 0
        guard delta > 1e-6 else { return (0, s, maxC) }
        var h: Float
        if maxC == r { h = (g - b) / delta } else if maxC == g { h = 2 + (b - r) / delta } else { h = 4 + (r - g) / delta }
        h /= 6
        if h < 0 { h += 1 }
        if h >= 1 { h -= 1 }
        return (h, s, maxC)
    }

    /// Splits a continuous position (in bin units) between the two nearest bin centres.
    static func softBin(_ position: Float, bins: Int, circular: Bool) -> (Int, Int, Float) {
        let p = position - 0.5
        if circular {
            let f = p - p.rounded(.down)
            let lower = (Int(p.rounded(.down)) % bins + bins) % bins
            return (lower, (lower + 1) % bins, f)
        }
        let clamped = min(max(p, 0), Float(bins - 1))
        let lower = min(Int(clamped), bins - 1)
        let upper = min(lower + 1, bins - 1)
        return (lower, upper, clamped - Float(lower))
    }

    static func normalized(_ v: [Float], weight: Float) -> [Float] {
        var s: Float = 0
        for x in v { s += x * x }
        guard s > 0 else { return v }
        let k = weight / s.squareRoot()
        return v.map { $0 * k }
    }
}
