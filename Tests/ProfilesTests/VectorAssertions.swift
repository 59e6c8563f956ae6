import RecCore

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var d = 0.0, na = 0.0, nb = 0.0
    for i in 0..<a.count { d += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
    return na > 0 && nb > 0 ? d / (na.squareRoot() * nb.squareRoot()) : 0
}

func maxRelativeDifference(_ a: [Float], _ b: [Float]) -> Float {
    let scale = max(a.map { abs($0) }.max() ?? 0, b.map { abs($0) }.max() ?? 0, 1e-20)
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a[i] - b[i]) / scale) }
    return m
}
