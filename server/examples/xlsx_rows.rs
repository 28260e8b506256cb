//! Prints the first sheet of an XLSX file as JSON, one array of cell texts per row: how the
//! browser tests read a file the page downloaded (calamine, as the server reads imports).
//! Usage: xlsx_rows FILE
use calamine::Reader;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: xlsx_rows FILE"))?;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path)?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| anyhow::anyhow!("no sheet"))??;
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    println!("{}", serde_json::to_string(&rows)?);
    Ok(())
}
