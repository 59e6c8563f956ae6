import Foundation
import RecCore

/// A safetensors file read once into memory: an 8-byte little-endian header length,
/// a JSON header mapping tensor names to dtype/shape/byte range, then the raw data.
///
/// Only `F32` tensors are materialised (that is all MiniLM needs); other dtypes are
/// listed but refused by ``floats(_:)``.
struct SafeTensors {
    struct Entry {
        var dtype: String
        var shape: [Int]
        var range: Range<Int>
    }

    private let data: Data
    private let dataStart: Int
    let entries: [String: Entry]

    /// Reads and validates the file.
    ///
    /// - Throws: `RecError.configuration` naming the path when the file is missing or malformed.
    init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw RecError(.configuration, "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard data.count >= 8 else { throw RecError(.configuration, "\(url.path) is not a safetensors file (too short)") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLength < UInt64(data.count - 8) else {
            throw RecError(.configuration, "\(url.path) has a header length beyond the end of the file")
        }
        let headerData = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw RecError(.configuration, "\(url.path) has an unreadable safetensors header")
        }
        var entries: [String: Entry] = [:]
        let payload = data.count - 8 - Int(headerLength)
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any],
                  let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, offsets[0] <= offsets[1], offsets[1] <= payload
            else { throw RecError(.configuration, "\(url.path): malformed entry for tensor \(name)") }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        self.data = data
        self.dataStart = 8 + Int(headerLength)
        self.entries = entries
    }

    /// The tensor's values in row-major order, checked against the expected shape.
    ///
    /// - Throws: `RecError.configuration` when the tensor is absent, not F32, or shaped differently.
    func floats(_ name: String, shape expected: [Int]) throws -> [Float] {
        guard let entry = entries[name] else { throw RecError(.configuration, "model weights lack tensor \(name)") }
        guard entry.dtype == "F32" else { throw RecError(.configuration, "tensor \(name) is \(entry.dtype), expected F32") }
        guard entry.shape == expected else {
            throw RecError(.configuration, "tensor \(name) has shape \(entry.shape), expected \(expected)")
        }
        let count = expected.reduce(1, *)
        guard entry.range.count == count * 4 else { throw RecError(.configuration, "tensor \(name) has a wrong byte length") }
        var result = [Float](repeating: 0, count: count)
        let start = data.startIndex + dataStart + entry.range.lowerBound
        result.withUnsafeMutableBytes { dst in
            _ = data.copyBytes(to: dst, from: start..<(start + count * 4))
        }
        #if _endian(big)
        for i in 0..<count { result[i] = Float(bitPattern: UInt32(littleEndian: result[i].bitPattern)) }
        #endif
        return result
    }
}
