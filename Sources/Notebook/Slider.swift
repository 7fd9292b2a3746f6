import Foundation

/// One position of a slider: its label, an image file per panel and a value per number.
public struct SliderStop {
    /// Shown beside the slider, e.g. "PixelCNN, 3 layers".
    public var label: String
    /// Short tick label under the track, e.g. "L=3".
    public var tick: String
    /// Image files relative to the report's folder, one per panel.
    public var images: [String]
    /// Display text of each number (same order as the slider's `numbers`).
    public var values: [String]

    public init(label: String, tick: String, images: [String], values: [String]) {
        self.label = label; self.tick = tick; self.images = images; self.values = values
    }
}

/// A panel of a slider: a caption and its display size (every stop's image is shown at this size).
public struct SliderPanel {
    public var caption: String
    public var width: Int
    public var height: Int
    /// Nearest-neighbour scaling (image grids of pixels).
    public var pixelated: Bool

    public init(_ caption: String, width: Int, height: Int, pixelated: Bool = false) {
        self.caption = caption; self.width = width; self.height = height; self.pixelated = pixelated
    }
}

extension Report {
    /// A slider over precomputed results: a plain range input; moving it swaps the panels' images
    /// and the numbers' values (a few lines of script in every page, no framework, no network, so it
    /// works from file:// and over HTTP). Without scripts the page shows position `start`.
    /// `note` (Markdown) goes under the slider: what the reader should see happen.
    public func slider(_ title: String, stops: [SliderStop], panels: [SliderPanel], numbers: [String],
                       start: Int = 0, note: String) {
        precondition(!stops.isEmpty, "a slider needs at least one stop")
        precondition(stops.allSatisfy { $0.images.count == panels.count && $0.values.count == numbers.count },
                     "every stop needs one image per panel and one value per number")
        sliderCount += 1
        let id = uniqueId("slider-\(sliderCount)")
        let s = min(max(start, 0), stops.count - 1)
        let first = stops[s]
        var h = "<section class=\"slider\" id=\"\(id)\">"
        h += "<div class=\"slider-control\"><label for=\"\(id)-range\">\(Markdown.inlineHTML(title))</label>"
        h += "<output for=\"\(id)-range\" class=\"slider-value\">\(HTML.escape(first.label))</output></div>"
        h += "<input type=\"range\" id=\"\(id)-range\" min=\"0\" max=\"\(stops.count - 1)\" step=\"1\" value=\"\(s)\""
        h += " aria-valuetext=\"\(HTML.escape(first.label))\">"
        h += "<ol class=\"slider-ticks\">" + stops.map { "<li>\(HTML.escape($0.tick))</li>" }.joined() + "</ol>"
        h += "<div class=\"cards\">"
        for (i, n) in numbers.enumerated() {
            h += "<div class=\"card\"><div class=\"label\">\(HTML.escape(n))</div>"
            h += "<div class=\"value\" data-number=\"\(i)\">\(HTML.escape(first.values[i]))</div></div>"
        }
        h += "</div><div class=\"slider-panels\">"
        for (i, p) in panels.enumerated() {
            h += "<figure><img\(p.pixelated ? " class=\"pixels\"" : "") data-panel=\"\(i)\" src=\"\(HTML.escape(first.images[i]))\""
            h += " width=\"\(p.width)\" height=\"\(p.height)\" alt=\"\(HTML.escape(p.caption))\">"
            h += "<figcaption>\(Markdown.inlineHTML(p.caption))</figcaption></figure>"
        }
        h += "</div><div class=\"slider-note\">\(Markdown.html(note).html)</div>"
        let data: [String: Any] = ["stops": stops.map { ["label": $0.label, "images": $0.images, "values": $0.values] }]
        let json = (try? JSONSerialization.data(withJSONObject: data, options: [.sortedKeys]))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        // "</" cannot end the script element early: JSON allows "<\/".
        h += "<script type=\"application/json\" class=\"slider-data\">\(json.replacingOccurrences(of: "</", with: "<\\/"))</script>"
        fragments.append(h + "</section>")
    }
}
