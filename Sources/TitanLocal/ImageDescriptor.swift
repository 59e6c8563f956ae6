import Foundation

/// A deterministic visual descriptor, computed on a fixed 64×64 resampling so that resizing or
/// re-encoding a picture barely moves it. Mostly luminance, like human similarity judgements of photos:
///
/// - tone: a soft histogram of luma (Rec. 601, as JPEG and photo tools compute grayscale);
/// - edges/texture: gradient-orientation histograms of luma on a 2×2 grid;
/// - layout: the mean luma of an 8×8 grid, centred on the picture's mean;
/// - colour: a chroma-weighted hue histogram and a 4×4 grid of mean chroma, with a smaller weight that
///   also shrinks with how colourful the picture is.
///
/// A grayscale copy of a colour photo therefore keeps the three luma blocks and loses only the small
/// colour block: it stays a near-duplicate (cosine > 0.95), as it would with a learned embedding, while
/// different shapes, tones or layouts land clearly further away. Gray pixels and JPEG chroma noise carry
/// (almost) no colour, so a grayscale JPEG does not get a random colour block.
///
/// It is not a learned embedding and is not aligned with text vectors.
public enum ImageDescriptor {
    static let side = 64
    static let toneBins = 8
    static let orientationBins = 8, edgeCells = 2
    static let edgeLength = orientationBins * edgeCells * edgeCells
    static let layoutCells = 8
    static let layoutLength = layoutCells * layoutCells
    static let hueBins = 12
    static let chromaCells = 4
    static let chromaLayoutLength = chromaCells * chromaCells * 2
    static let colorLength = hueBins + chromaLayoutLength
    /// Relative weights of the blocks after each is normalised. The luma blocks weigh 0.7² + 0.7² + 1² = 1.98
    /// and colour at most 0.35² ≈ 0.12, so removing all colour keeps a cosine of √(1.98 / 2.10) ≈ 0.97.
    /// Layout outweighs tone because other grayscale conversions (Rec. 709, channel average) shift tones.
    static let weights: (tone: Float, edges: Float, layout: Float, color: Float) = (0.7, 0.7, 1.0, 0.35)
    /// Mean chroma (distance from gray, 0…~0.6) from which a picture's colour block gets its full weight;
    /// below, the weight shrinks in proportion (a nearly gray picture has a nearly empty colour block).
    static let fullColorChroma: Float = 0.08

    /// Length of the descriptor.
    public static let dimension = toneBins + edgeLength + layoutLength + colorLength
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
        // Luma and the two colour-difference signals (zero for any gray).
        var luma = [Float](repeating: 0, count: n * n), cb = luma, cr = luma
        for i in 0..<(n * n) {
            luma[i] = 0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]
            cb[i] = b[i] - luma[i]
            cr[i] = r[i] - luma[i]
        }

        // Tone: soft luma histogram; a power below 1 so that one dominant tone does not drown the rest.
        var tone = [Float](repeating: 0, count: toneBins)
        for i in 0..<(n * n) {
            let (t0, t1, tf) = softBin(luma[i] * Float(toneBins), bins: toneBins, circular: false)
            tone[t0] += 1 - tf
            tone[t1] += tf
        }
        tone = tone.map { powf($0, 0.75) }

        // Edges: Sobel on luma; unsigned orientation histogram weighted by magnitude.
        var edges = [Float](repeating: 0, count: edgeLength)
        for y in 1..<(n - 1) {
            for x in 1..<(n - 1) {
                func l(_ dx: Int, _ dy: Int) -> Float { luma[(y + dy) * n + x + dx] }
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

        // Layout: mean luma per cell, centred on the picture's mean luma so that it describes where
        // light and dark sit rather than repeating the tone histogram.
        var layout = [Float](repeating: 0, count: layoutLength)
        let meanLuma = luma.reduce(0, +) / Float(n * n)
        let cell = n / layoutCells
        for y in 0..<n {
            for x in 0..<n {
                layout[(y / cell) * layoutCells + x / cell] += luma[y * n + x] - meanLuma
            }
        }

        // Colour: hue histogram weighted by chroma (gray pixels add nothing), and where the colours sit.
        var hues = [Float](repeating: 0, count: hueBins)
        var chromaLayout = [Float](repeating: 0, count: chromaLayoutLength)
        var totalChroma: Float = 0
        let chromaCell = n / chromaCells
        for y in 0..<n {
            for x in 0..<n {
                let i = y * n + x
                let chroma = (cb[i] * cb[i] + cr[i] * cr[i]).squareRoot()
                totalChroma += chroma
                let c = ((y / chromaCell) * chromaCells + x / chromaCell) * 2
                chromaLayout[c] += cb[i]
                chromaLayout[c + 1] += cr[i]
                guard chroma > 1e-4 else { continue }
                var hue = atan2f(cr[i], cb[i]) / (2 * .pi)
                if hue < 0 { hue += 1 }
                let (h0, h1, hf) = softBin(hue * Float(hueBins), bins: hueBins, circular: true)
                hues[h0] += chroma * (1 - hf)
                hues[h1] += chroma * hf
            }
        }
        hues = hues.map { powf($0, 0.75) }
        let colorfulness = min(1, totalChroma / Float(n * n) / fullColorChroma)
        let color = normalized(normalized(hues, weight: 1) + normalized(chromaLayout, weight: 0.7), weight: weights.color * colorfulness)

        var descriptor: [Float] = []
        descriptor.reserveCapacity(dimension)
        descriptor += normalized(tone, weight: weights.tone)
        descriptor += normalized(edges, weight: weights.edges)
        descriptor += normalized(layout, weight: weights.layout)
        descriptor += color
        return normalized(descriptor, weight: 1)
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
