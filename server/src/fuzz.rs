//! Fuzzing every parser that takes outside bytes, on stable Rust: each target is a function of
//! bytes (as a libFuzzer target would be) that must never panic and whose properties are
//! asserted inside it (an ID number taken is well-formed, an amount taken prints back as
//! itself …). `run` feeds a target inputs made from seeds by random mutation (bit flips,
//! interesting bytes, the target's own tokens, inserted and removed runs, splices of two
//! seeds) and pure random bytes, from a seeded generator: a run is reproducible from its seed.
//!
//! Not coverage-guided (libFuzzer and AFL need nightly or their own toolchain here); the seeds
//! and tokens of each target put the mutations where the parser branches. `make fuzz` runs
//! 10⁷ inputs per target (`server/examples/fuzz.rs`), `make test` 10⁴; inputs that made a
//! target panic are kept under `server/fuzz/regressions/<target>/` and replayed by the tests.

use app::domain::intake::Roster;
use app::domain::monitoring::{Column, Field, Source};
use chrono::NaiveDate;
use std::panic::AssertUnwindSafe;

/// The day every target takes as today (ID numbers born after it are refused).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("a valid day")
}

/// A parser under test: its name, the largest input it is given, its seeds and tokens, and
/// the function that runs one input.
pub struct Target {
    pub name: &'static str,
    pub max_len: usize,
    pub seeds: fn() -> Vec<Vec<u8>>,
    pub tokens: &'static [&'static [u8]],
    pub run: fn(&[u8]),
}

/// Every target.
pub fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "id_number",
            max_len: 64,
            seeds: || {
                vec![
                    b"62070219650315118X".to_vec(),
                    b"110101199003077774".to_vec(),
                ]
            },
            tokens: &[b"X", b"x", b" ", b"\xef\xbc\x90", b"E+17", b"0", b"9"],
            run: |b| {
                let text = String::from_utf8_lossy(b);
                if let Ok(id) = app::domain::id_number::IdNumber::parse(&text, today()) {
                    let s = id.as_str();
                    assert_eq!(s.len(), 18, "an ID taken has 18 characters");
                    assert_eq!(
                        app::domain::id_number::check_char(&s[..17]),
                        s.chars().nth(17),
                        "an ID taken has its check character"
                    );
                    assert!(id.birth_date() <= today());
                }
            },
        },
        Target {
            name: "credit_code",
            max_len: 64,
            seeds: || {
                vec![
                    b"91620702MA71X8XX0A".to_vec(),
                    b"53620700MJ0000000Y".to_vec(),
                ]
            },
            tokens: &[b"I", b"O", b"Z", b"S", b"V", b" ", b"\t"],
            run: |b| {
                let text = String::from_utf8_lossy(b);
                if let Ok(code) = app::domain::charity::CreditCode::parse(&text) {
                    assert_eq!(code.as_str().chars().count(), 18);
                }
            },
        },
        Target {
            name: "region_code",
            max_len: 32,
            seeds: || vec![b"620702".to_vec(), b"620702100201".to_vec(), b"62".to_vec()],
            tokens: &[b"0", b"00", b"000", b" "],
            run: |b| {
                let text = String::from_utf8_lossy(b);
                if let Ok(code) = app::domain::region::RegionCode::parse(&text) {
                    let again = app::domain::region::RegionCode::parse(code.as_str());
                    assert_eq!(again.as_ref(), Ok(&code), "a region code parses as itself");
                }
            },
        },
        Target {
            name: "money",
            max_len: 48,
            seeds: || {
                vec![
                    b"1,234.56".to_vec(),
                    b"12000".to_vec(),
                    b".5".to_vec(),
                    "1，234".as_bytes().to_vec(),
                ]
            },
            tokens: &[b",", b".", b"-", b"\xef\xbc\x8c", b"999999999999", b" "],
            run: |b| {
                use app::domain::money::Money;
                let text = String::from_utf8_lossy(b);
                if let Ok(m) = Money::parse_yuan(&text, 100_000_000) {
                    assert!(m.fen() >= 0 && m.fen() <= 100_000_000 * 100);
                    assert_eq!(Money::parse_yuan(&m.to_string(), 100_000_000), Ok(m));
                }
            },
        },
        Target {
            name: "date",
            max_len: 48,
            seeds: || {
                vec![
                    b"2026-03-05".to_vec(),
                    b"2026/3/5".to_vec(),
                    b"20260305".to_vec(),
                ]
            },
            tokens: &[b"-", b"/", b".", b"0", b"29", b"1899", b"+"],
            run: |b| {
                let text = String::from_utf8_lossy(b);
                if let Some(d) = app::domain::monitoring::parse_date(&text) {
                    use chrono::Datelike;
                    assert!(d.year() >= 1900);
                }
            },
        },
        Target {
            name: "import_csv",
            max_len: 16 * 1024,
            seeds: csv_seeds,
            tokens: &[
                b",",
                b"\"",
                b"\n",
                b"\r\n",
                b"\xef\xbb\xbf",
                b"\xc9\xed\xb7\xdd",
                b"E+17",
                b"12,50",
                b"\xff\xfe",
            ],
            run: |b| {
                // The first byte chooses the department, the rest is the file.
                let Some((&which, file)) = b.split_first() else {
                    return;
                };
                let source = Source::ALL[usize::from(which) % Source::ALL.len()];
                if let Ok(report) = crate::imports::check_bytes(source, file, today()) {
                    assert_eq!(report.valid + report.invalid, report.rows_read);
                }
            },
        },
        Target {
            name: "intake_csv",
            max_len: 16 * 1024,
            seeds: intake_seeds,
            tokens: &[
                b",",
                b"\"",
                b"\n",
                b"\r\n",
                b"\xef\xbb\xbf",
                b"\xe6\x88\xb7\xe4\xb8\xbb", // 户主
                b"\xe5\x86\x9c\xe6\x9d\x91", // 农村
                b"\xe9\x9b\x86\xe4\xb8\xad\xe4\xbe\x9b\xe5\x85\xbb", // 集中供养
                b"620722100201",
                b"E+17",
                b"12,50",
            ],
            run: |b| {
                // The first byte chooses the roster, the rest is the file.
                let Some((&which, file)) = b.split_first() else {
                    return;
                };
                let roster = Roster::ALL[usize::from(which) % Roster::ALL.len()];
                let scope = app::domain::region::RegionCode::parse("620702").expect("a county");
                let (read, taken) = crate::intake::check_bytes(roster, file, &scope, today());
                if let Ok(report) = read {
                    assert_eq!(taken as i64 + report.invalid, report.rows_read);
                }
            },
        },
        Target {
            name: "import_xlsx",
            max_len: 16 * 1024,
            seeds: xlsx_part_seeds,
            tokens: &[
                b"<c r=\"A2\" t=\"s\"><v>0</v></c>",
                b"<c r=\"B2\"><v>6.2070219650315E+17</v></c>",
                b"<row r=\"1048576\">",
                b"<si><t>",
                b"</t></si>",
                b"uniqueCount=\"99999999\"",
                b"&amp;",
                b"<![CDATA[",
                b"t=\"inlineStr\"><is><t>x</t></is>",
                b"XFD",
            ],
            run: |b| {
                // The sheet and the table of texts, cut where the seed put a NUL, in a workbook.
                let (texts, sheet) = match b.iter().position(|&c| c == 0) {
                    Some(i) => (&b[..i], &b[i + 1..]),
                    None => (&b[..0], b),
                };
                let file = workbook(texts, sheet);
                if let Ok(report) =
                    crate::imports::check_bytes(Source::HumanResources, &file, today())
                {
                    assert_eq!(report.valid + report.invalid, report.rows_read);
                }
            },
        },
        Target {
            name: "import_xlsx_zip",
            max_len: 16 * 1024,
            seeds: || vec![workbook(SEED_TEXTS.as_bytes(), SEED_SHEET.as_bytes())],
            tokens: &[
                b"PK\x03\x04",
                b"PK\x01\x02",
                b"PK\x05\x06",
                b"\xff\xff\xff\xff",
            ],
            run: |b| {
                let _ = crate::imports::check_bytes(Source::MedicalInsurance, b, today());
            },
        },
        Target {
            name: "declaration_json",
            max_len: 8 * 1024,
            seeds: declaration_seeds,
            tokens: &[
                b"\"",
                b"{",
                b"}",
                b"[",
                b"]",
                b"null",
                b"-1",
                b"1e999",
                b"\\u0000",
                b"\\ud800",
                b"\"members\":",
                b"\"id_number\":",
                b"\"income_wages\":",
                b"[[[[[[[[[[",
            ],
            run: |b| {
                use app::domain::declaration::{Declaration, DeclarationDraft};
                if let Ok(draft) = serde_json::from_slice::<DeclarationDraft>(b) {
                    let _ = Declaration::parse(&draft, today());
                }
            },
        },
        Target {
            name: "visit_json",
            max_len: 16 * 1024,
            seeds: visit_seeds,
            tokens: &[
                b"data:image/png;base64,",
                b"data:image/jpeg;base64,",
                b"iVBORw0KGgo",
                b"/9j/4",
                b"==",
                b"\"photos\":[",
                b"\"",
                b"null",
            ],
            run: |b| {
                use app::domain::visit::{Visit, VisitDraft};
                if let Ok(draft) = serde_json::from_slice::<VisitDraft>(b) {
                    if let Ok(v) = Visit::parse(&draft, today()) {
                        for image in v.photos.iter().chain([
                            &draft.sign_resident,
                            &draft.sign_staff,
                            &draft.sign_second_staff,
                        ]) {
                            let _ = app::api::household::image_bytes(image, "photo");
                        }
                    }
                }
            },
        },
        Target {
            name: "multipart_upload",
            max_len: 16 * 1024,
            seeds: multipart_seeds,
            tokens: &[
                b"\r\n",
                b"--X",
                b"--X--",
                b"Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n",
                b"Content-Type: image/png\r\n",
                b"\x89PNG\r\n\x1a\n",
                b"%PDF-1.4",
                b"\xff\xd8\xff",
                b"name=\"draft_id\"",
                b"filename*=UTF-8''",
            ],
            run: |b| {
                let _ = crate::upload::check_multipart(b"X", b);
            },
        },
    ]
}

const SEED_TEXTS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"6\" uniqueCount=\"6\">\
<si><t>身份证号</t></si><si><t>姓名</t></si><si><t>事项</t></si><si><t>登记日期</t></si>\
<si><t>张三</t></si><si><t>失业登记</t></si></sst>";

const SEED_SHEET: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"s\"><v>3</v></c></row>\
<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>62070219650315118X</t></is></c><c r=\"B2\" t=\"s\"><v>4</v></c><c r=\"C2\" t=\"s\"><v>5</v></c><c r=\"D2\" t=\"str\"><v>2026-03-04</v></c></row>\
<row r=\"3\"><c r=\"A3\"><v>6.2070219650315E+17</v></c><c r=\"B3\" t=\"s\"><v>4</v></c><c r=\"C3\" t=\"s\"><v>5</v></c><c r=\"D3\" t=\"str\"><v>2026-03-05</v></c></row>\
</sheetData></worksheet>";

/// A minimal workbook around a sheet and its table of texts (stored, not compressed, so the
/// mutated XML reaches the reader as it is).
fn workbook(texts: &[u8], sheet: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts: [(&str, &[u8]); 6] = [
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#),
        ("xl/sharedStrings.xml", texts),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    for (name, bytes) in parts {
        // Writing to memory cannot fail.
        let _ = zip.start_file(name, stored);
        let _ = zip.write_all(bytes);
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn xlsx_part_seeds() -> Vec<Vec<u8>> {
    let mut seed = SEED_TEXTS.as_bytes().to_vec();
    seed.push(0);
    seed.extend_from_slice(SEED_SHEET.as_bytes());
    vec![seed]
}

/// A plausible value of each field a template names.
fn sample(field: Field) -> &'static str {
    match field {
        Field::IdNumber | Field::HeadIdNumber => "62070219650315118X",
        Field::Name => "张三",
        Field::Date => "2020-03-05",
        Field::Total => "12000.50",
        Field::OutOfPocket => "8000",
        Field::Event => "死亡",
        Field::Grade => "一级",
        Field::Amount => "1200",
        Field::Detail => "重点",
        Field::Relation => "户主",
        Field::Region => "620702100201",
        Field::Address => "迎恩村一组",
        Field::Phone => "13900000000",
        Field::Residence => "农村",
        Field::SupportMode => "分散供养",
        Field::CareNeed => "全护理",
    }
}

/// For each template, its index (the byte that chooses it) and a file of its first header per
/// column and one row of plausible values.
fn template_seeds(templates: impl Iterator<Item = &'static [Column]>) -> Vec<Vec<u8>> {
    templates
        .enumerate()
        .map(|(i, columns)| {
            let header: Vec<&str> = columns.iter().map(|c| c.headers[0]).collect();
            let row: Vec<&str> = columns.iter().map(|c| sample(c.field)).collect();
            let mut seed = vec![i as u8];
            seed.extend_from_slice(format!("{}\n{}\n", header.join(","), row.join(",")).as_bytes());
            seed
        })
        .collect()
}

/// A valid row of each department's template.
fn csv_seeds() -> Vec<Vec<u8>> {
    template_seeds(Source::ALL.iter().map(|s| s.template()))
}

/// A valid row of each roster's template (a household's head).
fn intake_seeds() -> Vec<Vec<u8>> {
    template_seeds(Roster::ALL.iter().map(|r| r.template()))
}

pub fn example_declaration(
    id_number: &str,
    address: &str,
) -> app::domain::declaration::DeclarationDraft {
    use app::domain::declaration::{DeclarationDraft, MemberDraft};
    DeclarationDraft {
        region_code: "620702100201".into(),
        address: address.into(),
        residence: "rural".into(),
        contact_phone: "13812345678".into(),
        members: vec![MemberDraft {
            relation: "head".into(),
            name: "张三".into(),
            id_number: id_number.into(),
            health: "healthy".into(),
            schooling: "not_in_school".into(),
            work_status: "farming".into(),
            labour_capacity: "full".into(),
            ..Default::default()
        }],
        income_wages: "800".into(),
        help: vec!["basic_living".into()],
        consent_verification: true,
        ..Default::default()
    }
}

fn declaration_seeds() -> Vec<Vec<u8>> {
    let draft = example_declaration("62070219650315118X", "梁家墩镇3组12号");
    vec![
        serde_json::to_vec(&draft).unwrap_or_default(),
        serde_json::to_vec(&app::domain::declaration::DeclarationDraft::default())
            .unwrap_or_default(),
    ]
}

fn visit_seeds() -> Vec<Vec<u8>> {
    use app::domain::visit::VisitDraft;
    const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let draft = VisitDraft {
        id: "0b7e4f0e-2d6c-4f43-9a51-3c2f5d7e9a10".into(),
        application: "SQ-2026-000001".into(),
        visited_on: "2026-11-30".into(),
        present: "户主".into(),
        housing: "砖瓦房".into(),
        living: "困难".into(),
        assets_seen: "无".into(),
        second_staff: "李四".into(),
        photos: vec![PNG.into()],
        sign_resident: PNG.into(),
        sign_staff: PNG.into(),
        sign_second_staff: PNG.into(),
        ..Default::default()
    };
    vec![serde_json::to_vec(&draft).unwrap_or_default()]
}

fn multipart_seeds() -> Vec<Vec<u8>> {
    vec![b"--X\r\nContent-Disposition: form-data; name=\"draft_id\"\r\n\r\nd-1\r\n\
--X\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nincome\r\n\
--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\
\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\r\n--X--\r\n"
        .to_vec()]
}

/// A small fast generator (xorshift64*): reproducible from its seed, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b'X', b',', b'.', b'-', b'"', b'\n', b'\r', b'<', b'>',
    b'&', b'{', b'}', b'[', b']', b'\\', b' ', 0xe4, 0xef, 0xc0,
];

/// One input for `target`: a seed (or nothing) mutated 1–8 times, at most `max_len` bytes.
pub fn mutate(rng: &mut Rng, target: &Target, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = if seeds.is_empty() || rng.below(16) == 0 {
        (0..rng.below(target.max_len.min(256)))
            .map(|_| rng.next_u64() as u8)
            .collect()
    } else {
        seeds[rng.below(seeds.len())].clone()
    };
    for _ in 0..1 + rng.below(8) {
        let len = data.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 if !target.tokens.is_empty() => {
                let token = target.tokens[rng.below(target.tokens.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                data.drain(at..at + n);
            }
            4 if len > 0 => {
                // A run repeated: long fields, deep nesting.
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(32));
                let run: Vec<u8> = data[at..at + n].to_vec();
                let most = if rng.below(8) == 0 { 512 } else { 8 };
                let times = 1 + rng.below(most);
                for _ in 0..times {
                    data.splice(at..at, run.iter().copied());
                }
            }
            5 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let random: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                data.splice(at..at, random);
            }
            6 if !seeds.is_empty() => {
                // Splice: the start of this input, the end of another seed.
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            7 if len > 0 => {
                // A digit changed into another digit: keeps numbers numbers.
                let i = rng.below(len);
                if data[i].is_ascii_digit() {
                    data[i] = b'0' + rng.below(10) as u8;
                }
            }
            _ if len > 1 => {
                let (a, b) = (rng.below(len), rng.below(len));
                data.swap(a, b);
            }
            _ => {}
        }
    }
    data.truncate(target.max_len);
    data
}

/// What a run of one target found.
#[derive(Debug, Default)]
pub struct Found {
    pub executions: u64,
    /// Inputs that made the target panic (each kept whole).
    pub panics: Vec<(Vec<u8>, String)>,
}

/// Runs `target` on `executions` inputs from `seed`, catching panics (the panic message is not
/// printed: `Found` holds it). Keeps at most 10 panicking inputs.
pub fn run(target: &Target, executions: u64, seed: u64) -> Found {
    let seeds = (target.seeds)();
    let mut rng = Rng::new(seed);
    let mut found = Found::default();
    quiet_panics_here();
    // Every seed as it is first, then mutations.
    let inputs = seeds
        .iter()
        .cloned()
        .chain(std::iter::repeat_with(|| mutate(&mut rng, target, &seeds)))
        .take(executions as usize);
    for input in inputs {
        found.executions += 1;
        if let Err(e) = std::panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&input))) {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            if found.panics.len() < 10 {
                found.panics.push((input, message));
            }
        }
    }
    QUIET.with(|q| q.set(false));
    found
}

thread_local! {
    /// Whether this thread's panics are a fuzz run's findings (not printed: `Found` has them).
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Silences the panics of this thread until the run ends; other threads' (other tests')
/// panics print as ever.
fn quiet_panics_here() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
}

/// The folder of a target's kept inputs, in the source tree.
pub fn regressions_dir(target: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10⁴ inputs per target (`make fuzz` runs 10⁷), from a seed that changes each run and
    /// is printed when a target panics, so the failure can be reproduced.
    #[test]
    fn no_parser_panics_on_ten_thousand_inputs() {
        let seed = std::env::var("DOUDI_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| app::auth::real_now_millis() as u64);
        for target in targets() {
            let found = run(&target, 10_000, seed);
            assert_eq!(found.executions, 10_000);
            assert!(
                found.panics.is_empty(),
                "{} panicked (DOUDI_FUZZ_SEED={seed}): {:?}",
                target.name,
                found
                    .panics
                    .iter()
                    .map(|(input, msg)| (String::from_utf8_lossy(input).into_owned(), msg))
                    .collect::<Vec<_>>()
            );
        }
    }

    /// The first finding: calamine's cell-reference arithmetic overflowed (a panic in a debug
    /// build). Such a workbook is refused as unreadable, not a failed request.
    #[test]
    fn a_cell_reference_that_overflows_is_an_unreadable_file() {
        let input =
            std::fs::read(regressions_dir("import_xlsx").join("cell-reference-overflow")).unwrap();
        let cut = input.iter().position(|&c| c == 0).unwrap();
        let result = crate::imports::check_bytes(
            Source::HumanResources,
            &workbook(&input[..cut], &input[cut + 1..]),
            today(),
        );
        if cfg!(debug_assertions) {
            assert_eq!(
                result.unwrap_err(),
                app::domain::monitoring::FileProblem::Unreadable
            );
        }
    }

    /// Every input a fuzz run ever found a panic with, replayed.
    #[test]
    fn every_kept_crashing_input_passes() {
        for target in targets() {
            let Ok(dir) = std::fs::read_dir(regressions_dir(target.name)) else {
                continue;
            };
            for file in dir.flatten() {
                let input = std::fs::read(file.path()).unwrap();
                (target.run)(&input);
            }
        }
    }

    /// The seeds are what they claim: each target's first seed is taken by its parser (a
    /// seed that is refused whole would leave the mutations outside the parser's branches).
    #[test]
    fn the_seeds_reach_the_parsers() {
        let csv = &csv_seeds()[0];
        let report =
            crate::imports::check_bytes(Source::ALL[usize::from(csv[0])], &csv[1..], today())
                .unwrap();
        assert_eq!((report.rows_read, report.valid), (1, 1), "{report:?}");
        // Every roster's seed row is taken (a file refused whole would teach the fuzzer nothing).
        let scope = app::domain::region::RegionCode::parse("620702").unwrap();
        for seed in intake_seeds() {
            let roster = Roster::ALL[usize::from(seed[0])];
            let (report, taken) = crate::intake::check_bytes(roster, &seed[1..], &scope, today());
            let report = report.unwrap();
            assert_eq!((report.rows_read, taken), (1, 1), "{roster:?}: {report:?}");
        }
        let seed = &xlsx_part_seeds()[0];
        let cut = seed.iter().position(|&c| c == 0).unwrap();
        let report = crate::imports::check_bytes(
            Source::HumanResources,
            &workbook(&seed[..cut], &seed[cut + 1..]),
            today(),
        )
        .unwrap();
        // One row taken, the numeric ID refused.
        assert_eq!((report.rows_read, report.valid), (2, 1), "{report:?}");
        let d: app::domain::declaration::DeclarationDraft =
            serde_json::from_slice(&declaration_seeds()[0]).unwrap();
        app::domain::declaration::Declaration::parse(&d, today()).unwrap();
        let v: app::domain::visit::VisitDraft = serde_json::from_slice(&visit_seeds()[0]).unwrap();
        let v = app::domain::visit::Visit::parse(&v, today()).unwrap();
        app::api::household::image_bytes(&v.photos[0], "photo").unwrap();
        let fields = crate::upload::check_multipart(b"X", &multipart_seeds()[0]).unwrap();
        assert_eq!(fields, 3);
    }

    #[test]
    fn a_run_is_reproducible_from_its_seed() {
        let t = &targets()[0];
        let seeds = (t.seeds)();
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(mutate(&mut a, t, &seeds), mutate(&mut b, t, &seeds));
        }
    }
}
