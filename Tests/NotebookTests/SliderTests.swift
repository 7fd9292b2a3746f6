import Foundation
import Testing
@testable import Notebook

@Suite struct SliderTests {
    func stops() -> [SliderStop] {
        [SliderStop(label: "factorized", tick: "f", images: ["a0.png", "b0.png"], values: ["40.2", "90%"]),
         SliderStop(label: "PixelCNN <L=1>", tick: "L=1", images: ["a1.png", "b1.png"], values: ["27.8", "80%"]),
         SliderStop(label: "full", tick: "full", images: ["a2.png", "b2.png"], values: ["3.9", "</script>"])]
    }

    @Test func sliderShowsItsStartPositionAndCarriesEveryStop() throws {
        let r = Report(chapter: 7, title: "Showcase", outputRoot: tempDir("slider"))
        r.slider("Decoder", stops: stops(), panels: [SliderPanel("sees", width: 140, height: 140, pixelated: true),
                                                     SliderPanel("bars", width: 420, height: 250)],
                 numbers: ["bits in z", "class kept"], start: 1, note: "Slide **right**: the bits fall from 40.2 to 3.9.")
        let html = r.html()
        // Without scripts the page shows the start position.
        #expect(html.contains("<input type=\"range\" id=\"slider-1-range\" min=\"0\" max=\"2\" step=\"1\" value=\"1\""))
        #expect(html.contains("class=\"slider-value\">PixelCNN &lt;L=1&gt;</output>"))
        #expect(html.contains("<img class=\"pixels\" data-panel=\"0\" src=\"a1.png\" width=\"140\" height=\"140\""))
        #expect(html.contains("<img data-panel=\"1\" src=\"b1.png\""))
        #expect(html.contains("data-number=\"0\">27.8</div>") && html.contains("data-number=\"1\">80%</div>"))
        #expect(html.contains("<li>L=1</li>") && html.contains("<strong>right</strong>"))
        // The data block holds every stop, and a value containing "</script>" cannot end it early.
        let open = "<script type=\"application/json\" class=\"slider-data\">"
        let start = try #require(html.range(of: open))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = String(html[start.upperBound..<end.lowerBound])
        let data = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let parsed = try #require(data["stops"] as? [[String: Any]])
        #expect(parsed.count == 3)
        #expect(parsed.map { $0["images"] as? [String] ?? [] } == [["a0.png", "b0.png"], ["a1.png", "b1.png"], ["a2.png", "b2.png"]])
        #expect(parsed[2]["values"] as? [String] == ["3.9", "</script>"])
        // The page's own script moves it (no external resources).
        #expect(html.contains("range.addEventListener('input', show)"))
        #expect(!html.contains("http://") && !html.contains("https://"))
    }

    @Test func startPositionIsClamped() {
        let r = Report(chapter: 7, title: "Showcase", outputRoot: tempDir("slider-clamp"))
        r.slider("Decoder", stops: stops(), panels: [SliderPanel("a", width: 1, height: 1), SliderPanel("b", width: 1, height: 1)],
                 numbers: ["x", "y"], start: 9, note: "n")
        #expect(r.html().contains("value=\"2\" aria-valuetext=\"full\""))
    }
}
