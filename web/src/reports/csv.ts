// CSV of exactly what a report table shows: its column titles and the cell
// texts as displayed. A cell a spreadsheet would run as a formula gets a
// leading apostrophe, as the API's own exports do (plain numbers such as
// +8613800138000 or -1500 are left alone).
export function safeCell(s: string): string {
  if (s === '') return s
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return s
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function toCSV(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => r.map((c) => quote(safeCell(c))).join(',')).join('\r\n') + '\r\n'
}

// csvBlob starts with a byte-order mark so spreadsheet programs read UTF-8
// (Chinese names) correctly.
export function csvBlob(text: string): Blob {
  return new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' })
}
