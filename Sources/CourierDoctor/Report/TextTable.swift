/// Renders rows as aligned columns separated by two spaces (for the text report).
struct TextTable {
    /// How a column's cells line up.
    enum Alignment { case left, right }

    var alignments: [Alignment]
    var rows: [[String]] = []

    /// The rows, each line indented by `indent`, trailing blanks removed.
    func render(indent: String = "") -> [String] {
        let widths = alignments.indices.map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            var line = indent
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                if column > 0 { line += "  " }
                line += alignments[column] == .left ? cell + padding : padding + cell
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}

/// Breaks `text` into lines of at most `width` characters at spaces; the first line starts with `firstIndent`,
/// the others with `indent`. A word longer than a line stays whole.
func wrap(_ text: String, width: Int = 110, firstIndent: String, indent: String) -> [String] {
    var lines: [String] = []
    var line = firstIndent
    var lineHasWord = false
    for word in text.split(separator: " ") {
        if lineHasWord && line.count + 1 + word.count > width {
            lines.append(line)
            line = indent
            lineHasWord = false
        }
        line += (lineHasWord ? " " : "") + word
        lineHasWord = true
    }
    lines.append(line)
    return lines
}
