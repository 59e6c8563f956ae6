import Foundation
import RecCore

/// A generated sample catalog: products across several categories with human-like captions and
/// procedurally drawn PNG images (a shape per category in the product's colour). Deterministic per seed.
public enum DemoCatalog {
    struct Category {
        let name: String
        let nouns: [String]
        let materials: [String]
        let uses: [String]
        let shape: Shape
        let priceRange: ClosedRange<Double>
    }

    enum Shape { case circle, tall, wide, triangle, stripes, ring }

    static let colours: [(name: String, rgb: (UInt8, UInt8, UInt8))] = [
        ("red", (200, 40, 40)), ("navy", (30, 40, 110)), ("forest green", (30, 110, 50)), ("mustard", (210, 170, 40)),
        ("charcoal", (60, 60, 64)), ("ivory", (240, 235, 220)), ("teal", (20, 140, 140)), ("terracotta", (190, 90, 60)),
        ("lavender", (170, 150, 210)), ("black", (20, 20, 20)), ("sky blue", (120, 180, 230)), ("blush pink", (230, 170, 180)),
    ]

    static let categories: [Category] = [
        Category(name: "kitchen", nouns: ["mug", "teapot", "mixing bowl", "chef's knife", "cutting board"],
                 materials: ["stoneware", "porcelain", "enamelled steel", "olive wood", "glass"],
                 uses: ["for slow Sunday breakfasts", "that keeps tea hot for longer", "built for everyday cooking", "sized for small kitchens"],
                 shape: .circle, priceRange: 8...90),
        Category(name: "lighting", nouns: ["desk lamp", "floor lamp", "pendant light", "reading light"],
                 materials: ["brushed brass", "matte steel", "linen", "rattan"],
                 uses: ["with a warm dimmable glow", "that brightens a reading nook", "with an adjustable arm", "for calm evening light"],
                 shape: .tall, priceRange: 25...260),
        Category(name: "furniture", nouns: ["sofa", "armchair", "coffee table", "bookshelf", "bench"],
                 materials: ["velvet", "solid oak", "walnut veneer", "boucle", "powder-coated steel"],
                 uses: ["with deep comfortable cushions", "that fits a studio flat", "made to last for years", "with clean modern lines"],
                 shape: .wide, priceRange: 120...1400),
        Category(name: "footwear", nouns: ["running shoe", "leather boot", "canvas sneaker", "hiking shoe", "slipper"],
                 materials: ["suede", "full-grain leather", "recycled mesh", "waxed canvas", "wool felt"],
                 uses: ["with a cushioned sole", "for long days on your feet", "with grippy trail lugs", "that breaks in quickly"],
                 shape: .triangle, priceRange: 35...240),
        Category(name: "bags", nouns: ["backpack", "tote bag", "duffel", "laptop sleeve", "crossbody bag"],
                 materials: ["ripstop nylon", "waxed cotton", "vegan leather", "recycled polyester"],
                 uses: ["with a padded laptop pocket", "for weekend trips", "that carries a full day's kit", "with water-resistant zips"],
                 shape: .stripes, priceRange: 20...220),
        Category(name: "audio", nouns: ["over-ear headphones", "wireless earbuds", "bookshelf speaker", "portable speaker"],
                 materials: ["aluminium", "soft-touch plastic", "fabric-wrapped", "bamboo"],
                 uses: ["with active noise cancelling", "with thirty hours of battery", "with rich balanced sound", "for calls and music on the go"],
                 shape: .ring, priceRange: 30...400),
    ]

    /// `count` products, ids `demo-0001`…; the same seed gives the same catalog.
    public static func products(count: Int, seed: UInt64 = 42, imageSize: Int = 64) -> [CatalogProduct] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let cat = categories[i % categories.count]
            let colour = colours[Int(rng.next() % UInt64(colours.count))]
            let noun = cat.nouns[Int(rng.next() % UInt64(cat.nouns.count))]
            let material = cat.materials[Int(rng.next() % UInt64(cat.materials.count))]
            let use = cat.uses[Int(rng.next() % UInt64(cat.uses.count))]
            let title = "\(colour.name.capitalized) \(material) \(noun)"
            let description = "A \(colour.name) \(noun) in \(material) \(use). " + ["Ships in two days.", "Part of our new season range.", "A customer favourite.", "Easy to care for."][Int(rng.next() % 4)]
            let price = (cat.priceRange.lowerBound + Double(rng.next() % 1000) / 1000 * (cat.priceRange.upperBound - cat.priceRange.lowerBound)).rounded() - 0.01
            let png = drawImage(shape: cat.shape, colour: colour.rgb, size: imageSize, rng: &rng)
            let attrs = #"{"colour":"\#(colour.name)","material":"\#(material)"}"#
            return CatalogProduct(id: String(format: "demo-%04d", i + 1), title: title, description: description, categories: [cat.name],
                                  attributesJSON: attrs, image: .inline(png), price: max(1, price), available: rng.next() % 10 != 0)
        }
    }

    /// `catalog.v1` upsert events for `products`, all at `occurredAt`.
    public static func events(_ products: [CatalogProduct], occurredAt: Date = Date()) -> [CatalogEvent] {
        products.map { .upserted(eventID: UUID(), occurredAt: occurredAt, product: $0) }
    }

    static func drawImage(shape: Shape, colour: (UInt8, UInt8, UInt8), size n: Int, rng: inout SeededGenerator) -> [UInt8] {
        let bgShade = UInt8(225 + rng.next() % 30)
        var px = [UInt8](repeating: bgShade, count: n * n * 3)
        let jitter = Double(rng.next() % 100) / 100 * 0.1
        let c = Double(n) / 2
        for y in 0..<n {
            for x in 0..<n {
                let dx = (Double(x) - c) / c, dy = (Double(y) - c) / c
                let inside: Bool
                switch shape {
                case .circle: inside = dx * dx + dy * dy < 0.45 + jitter
                case .tall: inside = abs(dx) < 0.18 + jitter || (dy < -0.35 && abs(dx) < 0.55)
                case .wide: inside = abs(dy) < 0.25 + jitter && abs(dx) < 0.8 || (dy > 0.2 && dy < 0.6 && (abs(dx) > 0.6 && abs(dx) < 0.75))
                case .triangle: inside = dy > -0.5 && dy < 0.6 && abs(dx) < (dy + 0.5) * (0.7 + jitter)
                case .stripes: inside = abs(dx) < 0.6 && abs(dy) < 0.7 && (Int((dy + 1) * 6) % 2 == 0)
                case .ring: let r = dx * dx + dy * dy; inside = r < 0.55 + jitter && r > 0.25
                }
                if inside {
                    // A little shading so images are not flat.
                    let shade = 1 - 0.25 * (dx + dy + 2) / 4
                    let o = (y * n + x) * 3
                    px[o] = UInt8(Double(colour.0) * shade)
                    px[o + 1] = UInt8(Double(colour.1) * shade)
                    px[o + 2] = UInt8(Double(colour.2) * shade)
                }
            }
        }
        return PNGEncoder.encode(width: n, height: n, rgb: px)
    }
}

