import Foundation
import Testing
import TitanLocal
@testable import Finetuning

/// The header reader against real encoder output (libpng, libjpeg) and hand-made JPEG segment layouts.
@Suite struct ImageHeaderReaderTests {
    @Test func readsPNGDimensions() throws {
        let bytes = try Fixtures.png(300, 200)
        let i = try ImageHeaderReader.inspect(bytes)
        #expect(i.header == ImageHeader(format: .png, width: 300, height: 200, components: 3))
        #expect(i.byteCount == bytes.count && i.isComplete)
    }

    @Test(arguments: [false, true])
    func readsBaselineAndProgressiveJPEGs(progressive: Bool) throws {
        let bytes = try Fixtures.jpeg(640, 480, progressive: progressive)
        let i = try ImageHeaderReader.inspect(bytes)
        #expect(i.header.format == .jpeg && i.header.width == 640 && i.header.height == 480 && i.header.components == 3)
        #expect(i.header.jpegProcess == (progressive ? .progressive : .baseline))
        #expect(i.isComplete)
        // The same numbers libjpeg reports when it decodes the whole picture.
        let decoded = try ImageCodec.decode(bytes)
        #expect(decoded.width == i.header.width && decoded.height == i.header.height)
    }

    /// A camera-style file: a 60 KB APP1 Exif segment (with an embedded thumbnail JPEG that has its own SOF and
    /// EOI, and long 0xFF runs), an ICC profile in APP2, fill bytes before the frame header; read from a file, so
    /// the segments are skipped across the reader's 4 KB buffer.
    @Test func skipsExifIccAndFillBytes() throws {
        let thumbnail = try Fixtures.jpeg(160, 120)
        let main = try Fixtures.jpeg(1024, 768, progressive: true)
        let exif = Fixtures.exif(size: 60_000, thumbnail: thumbnail), icc = Fixtures.icc(size: 3_000)
        var bytes = Fixtures.inserting([exif, icc], into: main)
        // Fill bytes before the encoder's own first marker (APP0): FF FF FF FF E0 … is one APP0 marker.
        #expect(bytes[2 + exif.count + icc.count + 1] == 0xE0)
        bytes.insert(contentsOf: [0xFF, 0xFF, 0xFF], at: 2 + exif.count + icc.count)
        let dir = try Fixtures.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Fixtures.write(bytes, "camera.jpg", in: dir)
        let fromFile = try ImageHeaderReader.inspect(path: file.path)
        #expect(fromFile.header.width == 1024 && fromFile.header.height == 768 && fromFile.header.jpegProcess == .progressive)
        #expect(fromFile == (try ImageHeaderReader.inspect(bytes)))
        #expect(fromFile.isComplete)
        #expect(try ImageCodec.decode(bytes).width == 768, "libjpeg agrees the file is sound (and rotates it by its Exif orientation)")
    }

    /// Segments whose markers look like frame headers but are not (DHT C4, JPG C8, DAC CC), standalone markers
    /// (TEM, RSTn) and stray bytes between segments, before the real SOF0.
    @Test func walksMarkersLikeT81() throws {
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += Fixtures.segment(0xC4, [0x00] + [UInt8](repeating: 1, count: 16) + [0x05]) // DHT: C4 is not a SOF
        bytes += [0xFF, 0x01] // TEM
        bytes += Fixtures.segment(0xCC, [0x00, 0x10]) // DAC
        bytes += [0x00, 0x12] // stray bytes
        bytes += Fixtures.segment(0xC8, [0x01, 0x02]) // JPG (reserved)
        bytes += [0xFF, 0xFF] + Fixtures.segment(0xC0, [8, 0x01, 0x2C, 0x02, 0x58, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]) // 600 × 300
        bytes += Fixtures.segment(0xDA, [1, 1, 0, 0, 63, 0]) + [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]
        let h = try ImageHeaderReader.inspect(bytes).header
        #expect(h == ImageHeader(format: .jpeg, width: 600, height: 300, jpegProcess: .baseline, components: 3))
        for (marker, process) in [(UInt8(0xC1), ImageHeader.JPEGProcess.extendedSequential), (0xC3, .lossless), (0xC9, .arithmetic), (0xC5, .hierarchical)] {
            var other = bytes
            let sof = other.indices.first { other[$0] == 0xFF && other[$0 + 1] == 0xC0 }!
            other[sof + 1] = marker
            #expect(try ImageHeaderReader.inspect(other).header.jpegProcess == process)
        }
    }

    @Test func refusesScansBeforeTheFrameAndBrokenFrames() throws {
        let sos = [0xFF, 0xD8] + Fixtures.segment(0xDA, [1, 1, 0, 0, 63, 0]) + [0xFF, 0xD9]
        #expect(throws: ImageHeaderError(.malformed, "a JPEG scan (SOS) before the frame header")) { try ImageHeaderReader.inspect(sos) }
        let eoi: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xD9]
        #expect(throws: ImageHeaderError.self) { try ImageHeaderReader.inspect(eoi) }
        let dnl = [0xFF, 0xD8] + Fixtures.segment(0xC0, [8, 0, 0, 0x02, 0x58, 1, 1, 0x11, 0]) + [0xFF, 0xD9]
        let e = #expect(throws: ImageHeaderError.self) { try ImageHeaderReader.inspect(dnl) }
        #expect(e?.message.contains("DNL") == true)
        let badLength = [0xFF, 0xD8] + Fixtures.segment(0xC0, [8, 0, 1, 0, 1, 3, 1, 0x11, 0]) + [0xFF, 0xD9]
        #expect((try? ImageHeaderReader.inspect(badLength)) == nil, "3 components need 17 bytes")
    }

    @Test func reportsTruncatedFiles() throws {
        let png = try Fixtures.png(300, 200)
        #expect(throws: ImageHeaderError.self) { try ImageHeaderReader.inspect(Array(png.prefix(20))) }
        #expect((try? ImageHeaderReader.inspect(Array(png.prefix(20))))?.header == nil)
        do { _ = try ImageHeaderReader.inspect(Array(png.prefix(20))) } catch { #expect(error.code == .truncated) }
        // Cut after the header: the dimensions are there, the end marker is not.
        let cutPNG = try ImageHeaderReader.inspect(Array(png.dropLast(30)))
        #expect(cutPNG.header.width == 300 && !cutPNG.isComplete)

        let exifJPEG = Fixtures.inserting([Fixtures.exif(size: 20_000, thumbnail: [])], into: try Fixtures.jpeg(400, 300))
        do { _ = try ImageHeaderReader.inspect(Array(exifJPEG.prefix(10_000))); Issue.record("cut inside APP1 must fail") } catch {
            #expect(error.code == .truncated)
        }
        let cutJPEG = try ImageHeaderReader.inspect(Array(exifJPEG.dropLast(100)))
        #expect(cutJPEG.header.width == 400 && !cutJPEG.isComplete)
        // Truncated files on disk too.
        let dir = try Fixtures.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Fixtures.write(Array(exifJPEG.prefix(5_000)), "cut.jpg", in: dir)
        do { _ = try ImageHeaderReader.inspect(path: file.path); Issue.record("must fail") } catch { #expect(error.code == .truncated) }
    }

    @Test func namesOtherFormatsWhateverTheExtension() throws {
        let dir = try Fixtures.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gifAsPNG = try Fixtures.write(Fixtures.gif, "really-a-gif.png", in: dir)
        do { _ = try ImageHeaderReader.inspect(path: gifAsPNG.path); Issue.record("GIF accepted") } catch {
            #expect(error.code == .unsupportedFormat && error.message.contains("GIF"))
        }
        let webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        #expect(throws: ImageHeaderError(.unsupportedFormat, "not PNG or JPEG (WebP)")) { try ImageHeaderReader.inspect(webp) }
        #expect(throws: ImageHeaderError(.unsupportedFormat, "the file is empty")) { try ImageHeaderReader.inspect([]) }
        // A PNG named .jpg is a PNG: the content decides the format.
        let pngAsJPEG = try Fixtures.write(try Fixtures.png(200, 200), "photo.jpg", in: dir)
        #expect(try ImageHeaderReader.inspect(path: pngAsJPEG.path).header.format == .png)
        do { _ = try ImageHeaderReader.inspect(path: dir.path); Issue.record("a directory is not an image") } catch { #expect(error.code == .unreadable) }
        do { _ = try ImageHeaderReader.inspect(path: dir.appendingPathComponent("missing.png").path); Issue.record("missing") } catch {
            #expect(error.code == .unreadable)
        }
    }

    @Test func checksTheIHDRChunk() throws {
        var png = try Fixtures.png(300, 200)
        png[17] ^= 0x01 // width changes, CRC does not
        do { _ = try ImageHeaderReader.inspect(png); Issue.record("bad CRC accepted") } catch {
            #expect(error.code == .malformed && error.message.contains("CRC"))
        }
    }
}
