/// A plain-text table as kubectl prints it: upper-case headers, columns padded to
/// their widest cell, three spaces between columns, no borders.
struct Table {
    /// Column headers.
    var headers: [String]
    /// Rows of cells (missing cells print empty).
    var rows: [[String]] = []

    /// The rendered table, one line per row, ending in a newline.
    func render() -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for index in headers.indices {
                let cell = index < cells.count ? cells[index] : ""
                if index == headers.count - 1 {
                    text += cell
                } else {
                    text += cell + String(repeating: " ", count: widths[index] - cell.count + 3)
                }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
