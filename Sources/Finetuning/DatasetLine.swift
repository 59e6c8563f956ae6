import Foundation

/// One line of a dataset file, parsed as strictly as Bedrock reads it: a JSON object with exactly the string
/// members `image-ref` and `caption`. What is there is kept even when something else is wrong, so one run
/// reports every problem of the line.
struct DatasetLine {
    var imageRef: String?
    var caption: String?
    var problems: [(DatasetRule, String)] = []
    /// False for an empty line (not a record).
    var isRecord = true

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    init(_ bytes: ArraySlice<UInt8>, lineNumber: Int) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            isRecord = false
            problems.append((.json, "empty line (JSON Lines has one JSON object per line)"))
            return
        }
        if lineNumber == 1, bytes.starts(with: Self.byteOrderMark) {
            problems.append((.json, "the file starts with a UTF-8 byte order mark, which JSON parsers refuse"))
            return
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            problems.append((.json, "not valid UTF-8"))
            return
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            problems.append((.json, "not valid JSON"))
            return
        }
        guard let dict = object as? [String: Any] else {
            problems.append((.json, "a JSON \(Self.kind(object)), not an object"))
            return
        }
        let keys = [TitanFinetuningRules.imageRefKey, TitanFinetuningRules.captionKey]
        let missing = keys.filter { dict[$0] == nil }
        let extra = dict.keys.filter { !keys.contains($0) }.sorted()
        if !missing.isEmpty { problems.append((.keys, "missing " + missing.map { "\"\($0)\"" }.joined(separator: " and "))) }
        if !extra.isEmpty {
            problems.append((.keys, "unexpected key\(extra.count > 1 ? "s" : "") " + extra.prefix(5).map { "\"\(Self.printable($0))\"" }.joined(separator: ", ")
                             + (extra.count > 5 ? " and \(extra.count - 5) more" : "") + " (only \"image-ref\" and \"caption\")"))
        }
        for key in keys {
            guard let value = dict[key] else { continue }
            guard let s = value as? String else {
                problems.append((.keys, "\"\(key)\" is a JSON \(Self.kind(value)), not a string"))
                continue
            }
            if key == TitanFinetuningRules.imageRefKey { imageRef = s } else { caption = s }
        }
    }

    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is NSNumber, is Bool, is Int, is Double: "number or boolean"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "value"
        }
    }

    /// A key as it can be printed on one line.
    static func printable(_ s: String) -> String {
        let cut = s.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(40))) + "…" : s
        return cut.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }
}
