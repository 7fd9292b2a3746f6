import Foundation
import Testing
@testable import Notebook

@Suite struct ImageGridTests {
    /// Image (r, c) is uniformly grey with ink (r * 3 + c + 1) / 8.
    func uniformGrid(highlight: Bool) -> ImageGrid {
        let rows: [[[Float]]] = (0..<2).map { r in
            (0..<3).map { c in [Float](repeating: Float(r * 3 + c + 1) / 8, count: 28 * 28) }
        }
        return ImageGrid(rows: rows, rowLabels: ["first", "second"], columnLabels: ["original", "1", "2"],
                         zoom: 2, scale: 2, highlightFirstColumn: highlight)
    }

    @Test func cellHoldsItsImage() throws {
        for highlight in [false, true] {
            let grid = uniformGrid(highlight: highlight)
            let dir = tempDir("grid")
            try grid.writePNG(to: dir + "/grid.png")
            let r = try #require(Raster(pngFile: dir + "/grid.png"))
            #expect(r.width == grid.pixelSize.width && r.height == grid.pixelSize.height)
            for row in 0..<2 {
                for col in 0..<3 {
                    let o = grid.cellOrigin(row: row, column: col)
                    let grey = Int((255 * (1 - Float(row * 3 + col + 1) / 8)).rounded())
                    for (dx, dy) in [(0, 0), (grid.cellW - 1, grid.cellH - 1), (grid.cellW / 2, grid.cellH / 2)] {
                        let p = r.rgba(o.x + dx, o.y + dy)
                        #expect(abs(p.r - grey) <= 1 && p.r == p.g && p.g == p.b, "cell \(row),\(col)")
                    }
                }
            }
        }
    }

    @Test func pixelsLandWhereTheyBelong() throws {
        var img = [Float](repeating: 0, count: 28 * 28)
        img[7 * 28 + 5] = 1   // ink at x = 5, y = 7
        let grid = ImageGrid(rows: [[img]], zoom: 3, scale: 2)
        let r = try #require(Raster(pngFile: { let p = tempDir("px") + "/g.png"; try? grid.writePNG(to: p); return p }()))
        let o = grid.cellOrigin(row: 0, column: 0), z = 6
        #expect(r.rgba(o.x + 5 * z, o.y + 7 * z).r == 0)
        #expect(r.rgba(o.x + 5 * z + z - 1, o.y + 7 * z + z - 1).r == 0)
        #expect(r.rgba(o.x + 5 * z + z, o.y + 7 * z).r == 255)
        #expect(r.rgba(o.x + 5 * z, o.y + 7 * z - 1).r == 255)
        #expect(grid.displaySize.width == grid.pixelSize.width / 2)
    }

    /// Counts image descriptors by walking the GIF's blocks.
    func gifFrames(_ b: [UInt8]) -> Int {
        var i = 13
        if b[10] & 0x80 != 0 { i += 3 << (Int(b[10] & 7) + 1) }
        var frames = 0
        func skipSubBlocks() { while i < b.count && b[i] != 0 { i += Int(b[i]) + 1 }; i += 1 }
        while i < b.count {
            switch b[i] {
            case 0x21: i += 2; skipSubBlocks()
            case 0x2C:
                frames += 1
                let packed = b[i + 9]
                i += 10
                if packed & 0x80 != 0 { i += 3 << (Int(packed & 7) + 1) }
                i += 1   // LZW minimum code size
                skipSubBlocks()
            default: return frames   // 0x3B trailer
            }
        }
        return frames
    }

    @Test func animatedGIFHasOneFramePerGrid() throws {
        let frames = (0..<3).map { k in
            ImageGrid(rows: [[[Float](repeating: Float(k) / 3, count: 784)]], zoom: 1, scale: 1)
        }
        let bytes = try AnimatedGIF.data(frames: frames, delay: 20)
        #expect(String(decoding: bytes.prefix(6), as: UTF8.self) == "GIF89a")
        #expect(gifFrames(bytes) == 3)
        #expect(bytes.last == 0x3B)
    }
}
