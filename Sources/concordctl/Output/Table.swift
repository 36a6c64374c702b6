/// A table drawn as olekukonko/tablewriter draws etcdctl's `-w table`: borders of `+`, `-` and
/// `|`, headers upper-cased and centred (the odd space on the right), cells right-aligned
/// (etcdctl sets `ALIGN_RIGHT`), every column as wide as its widest cell.
struct Table {
    let header: [String]
    var rows: [[String]] = []

    init(header: [String]) {
        self.header = header.map { $0.uppercased() }
    }

    var rendered: Text {
        var widths: [Int] = self.header.map(\.count)
        for row in self.rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        var border = "+"
        for width in widths { border += String(repeating: "-", count: width + 2) + "+" }
        var text = Text()
        text.line(border)
        var headerLine = "|"
        for (cell, width) in zip(self.header, widths) {
            let gap: Int = width - cell.count
            let left: Int = gap / 2
            headerLine += Self.spaces(1 + left) + cell + Self.spaces(gap - left + 1) + "|"
        }
        text.line(headerLine)
        text.line(border)
        for row in self.rows {
            var line = "|"
            for (cell, width) in zip(row, widths) {
                line += Self.spaces(1 + width - cell.count) + cell + " |"
            }
            text.line(line)
        }
        text.line(border)
        return text
    }

    private static func spaces(_ count: Int) -> String { String(repeating: " ", count: count) }
}
