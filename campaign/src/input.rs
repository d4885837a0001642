//! Streaming input readers: CSV (UTF-8 with or without BOM, GBK/GB18030) and JSON Lines. One row in memory at a
//! time; the raw bytes are hashed as they are read, for the journal's fingerprint.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::{Encoding, InputFormat};
use crate::error::{CampaignError, Result};

/// One input row: its line number (1-based, the line it starts on) and its columns in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRow {
    /// The line the row starts on.
    pub line: u64,
    /// `(column, value)` pairs in file order.
    pub values: Vec<(String, String)>,
}

impl InputRow {
    /// The value of `column`, if the row has it.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.as_str())
    }
}

/// A reader that hashes what passes through it and remembers the last byte (to tell a cut-off last line).
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    last_byte: Option<u8>,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.hasher.update(&buf[..n]);
            self.last_byte = Some(buf[n - 1]);
            self.bytes += n as u64;
        }
        Ok(n)
    }
}

/// The SHA-256 of a file, hex, read in blocks (the input fingerprint checked on resume).
pub fn file_digest(path: &Path) -> Result<String> {
    let mut file = open_file(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| CampaignError::input(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn open_file(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| {
        CampaignError::input(format!("cannot open input file {}: {e}", path.display()))
    })
}

enum Source {
    Csv {
        reader: csv::Reader<BufReader<Hashing<File>>>,
        header: Vec<String>,
        record: csv::ByteRecord,
        pending: Option<(u64, csv::ByteRecord)>,
        /// The line the next record starts on (the csv crate's own count lags behind CRLF files).
        next_line: u64,
    },
    Jsonl {
        reader: BufReader<Hashing<File>>,
        line: u64,
        buf: Vec<u8>,
    },
}

/// Rows of an input file, streamed. Call [`RowReader::digest`] after the last row for the file's fingerprint.
pub struct RowReader {
    source: Source,
    encoding: Encoding,
    name: String,
    done: bool,
}

impl RowReader {
    /// Opens `path`; for CSV, reads the header. An empty file is an error.
    pub fn open(path: &Path, format: InputFormat, encoding: Encoding) -> Result<RowReader> {
        let name = path.display().to_string();
        let file = open_file(path)?;
        let hashing = Hashing {
            inner: file,
            hasher: Sha256::new(),
            last_byte: None,
            bytes: 0,
        };
        let mut buffered = BufReader::with_capacity(1 << 16, hashing);
        let head = buffered
            .fill_buf()
            .map_err(|e| CampaignError::input(format!("cannot read {name}: {e}")))?;
        if head.is_empty() {
            return Err(CampaignError::input(format!(
                "input file {name} is empty; it needs {} and at least one row",
                match format {
                    InputFormat::Csv => "a header line",
                    InputFormat::Jsonl => "one JSON object per line",
                }
            )));
        }
        let has_bom = head.starts_with(b"\xEF\xBB\xBF");
        let encoding = match encoding {
            Encoding::Auto if has_bom => Encoding::Utf8,
            Encoding::Auto => match std::str::from_utf8(head) {
                Ok(_) => Encoding::Utf8,
                // Cut in the middle of a character at the end of the sample: still UTF-8.
                Err(e) if e.error_len().is_none() => Encoding::Utf8,
                Err(_) => Encoding::Gb18030,
            },
            other => other,
        };
        if has_bom {
            buffered.consume(3);
        }
        let source = match format {
            InputFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(buffered);
                let mut record = csv::ByteRecord::new();
                let got = reader
                    .read_byte_record(&mut record)
                    .map_err(|e| csv_error(&name, &e))?;
                if !got {
                    return Err(CampaignError::input(format!("input file {name} is empty")));
                }
                let mut header = Vec::with_capacity(record.len());
                for (i, field) in record.iter().enumerate() {
                    let text = decode(field, encoding, &name, 1, &format!("column {}", i + 1))?;
                    let text = text.trim().to_owned();
                    if text.is_empty() {
                        return Err(CampaignError::input(format!(
                            "{name} line 1: column {} of the header is empty; every column needs a name",
                            i + 1
                        )));
                    }
                    if header.contains(&text) {
                        return Err(CampaignError::input(format!(
                            "{name} line 1: the header names column {text:?} twice"
                        )));
                    }
                    header.push(text);
                }
                let next_line = 1 + lines_spanned(&record);
                Source::Csv {
                    reader,
                    header,
                    record,
                    pending: None,
                    next_line,
                }
            }
            InputFormat::Jsonl => Source::Jsonl {
                reader: buffered,
                line: 0,
                buf: Vec::new(),
            },
        };
        Ok(RowReader {
            source,
            encoding,
            name,
            done: false,
        })
    }

    /// The CSV header (empty for JSON Lines).
    pub fn header(&self) -> &[String] {
        match &self.source {
            Source::Csv { header, .. } => header,
            Source::Jsonl { .. } => &[],
        }
    }

    /// The encoding in use (the detected one, for [`Encoding::Auto`]).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The SHA-256 (hex) of the whole file. Meaningful once every row was read.
    pub fn digest(self) -> String {
        let hashing = match self.source {
            Source::Csv { reader, .. } => reader.into_inner().into_inner(),
            Source::Jsonl { reader, .. } => reader.into_inner(),
        };
        hex(&hashing.hasher.finalize())
    }

    fn next_csv(&mut self) -> Result<Option<InputRow>> {
        let Source::Csv {
            reader,
            header,
            record,
            pending,
            next_line,
        } = &mut self.source
        else {
            unreachable!("next_csv is called for CSV sources only");
        };
        // One row of look-ahead, so that a short row can be told to be the file's cut-off last line.
        let current = match pending.take() {
            Some(p) => p,
            None => {
                if !reader
                    .read_byte_record(record)
                    .map_err(|e| csv_error(&self.name, &e))?
                {
                    return Ok(None);
                }
                let start = *next_line;
                *next_line += lines_spanned(record);
                (start, record.clone())
            }
        };
        let (line, row) = current;
        let next_start = *next_line;
        let has_next = reader
            .read_byte_record(record)
            .map_err(|e| csv_error(&self.name, &e))?;
        if has_next {
            *next_line += lines_spanned(record);
            *pending = Some((next_start, record.clone()));
        }
        let ends_with_newline = matches!(reader.get_ref().get_ref().last_byte, Some(b'\n' | b'\r'));
        if row.len() == 1
            && row
                .get(0)
                .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
        {
            // A blank line: skip it.
            return self.next_csv();
        }
        if row.len() != header.len() {
            let last_and_cut = !has_next && !ends_with_newline;
            let why = if last_and_cut {
                " and the file does not end with a newline: the last line looks truncated (was the export cut \
                 off?); complete or remove it"
            } else {
                "; fix the row (a comma inside a value needs quotes)"
            };
            let columns = if row.len() < header.len() {
                format!(
                    " (no value for {})",
                    header[row.len()..]
                        .iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            };
            return Err(CampaignError::input(format!(
                "{} line {line}: has {} columns but the header has {}{columns}{why}",
                self.name,
                row.len(),
                header.len()
            )));
        }
        let mut values = Vec::with_capacity(header.len());
        for (column, field) in header.iter().zip(row.iter()) {
            let text = decode(
                field,
                self.encoding,
                &self.name,
                line,
                &format!("column {column:?}"),
            )?;
            values.push((column.clone(), text));
        }
        Ok(Some(InputRow { line, values }))
    }

    fn next_jsonl(&mut self) -> Result<Option<InputRow>> {
        loop {
            let Source::Jsonl { reader, line, buf } = &mut self.source else {
                unreachable!("next_jsonl is called for JSON Lines sources only");
            };
            buf.clear();
            let n = reader
                .read_until(b'\n', buf)
                .map_err(|e| CampaignError::input(format!("cannot read {}: {e}", self.name)))?;
            if n == 0 {
                return Ok(None);
            }
            *line += 1;
            let line = *line;
            let cut = !buf.ends_with(b"\n");
            let text = decode(buf, self.encoding, &self.name, line, "the line")?;
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).map_err(|e| {
                    let hint = if cut {
                        " and the file does not end with a newline: the last line looks truncated; complete or \
                         remove it"
                    } else {
                        ""
                    };
                    CampaignError::input(format!(
                        "{} line {line}: is not a JSON object ({e}){hint}",
                        self.name
                    ))
                })?;
            let mut values = Vec::with_capacity(object.len());
            for (k, v) in object {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(CampaignError::input(format!(
                            "{} line {line}: {k:?} is an array or object; give a string or a number",
                            self.name
                        )));
                    }
                };
                values.push((k, text));
            }
            return Ok(Some(InputRow { line, values }));
        }
    }
}

impl Iterator for RowReader {
    type Item = Result<InputRow>;

    fn next(&mut self) -> Option<Result<InputRow>> {
        if self.done {
            return None;
        }
        let next = match self.source {
            Source::Csv { .. } => self.next_csv(),
            Source::Jsonl { .. } => self.next_jsonl(),
        };
        match next {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// How many lines a record takes: one, plus the newlines inside its quoted values.
fn lines_spanned(record: &csv::ByteRecord) -> u64 {
    1 + record
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum::<u64>()
}

fn csv_error(name: &str, e: &csv::Error) -> CampaignError {
    let line = e
        .position()
        .map(|p| format!(" line {}", p.line()))
        .unwrap_or_default();
    CampaignError::input(format!("{name}{line}: cannot read CSV: {e}"))
}

/// Decodes one field strictly: a byte sequence that is not valid in the encoding is an error naming the line.
fn decode(bytes: &[u8], encoding: Encoding, name: &str, line: u64, what: &str) -> Result<String> {
    match encoding {
        Encoding::Utf8 | Encoding::Auto => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => {
                let looks_gbk = encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(bytes)
                    .is_some();
                let hint = if looks_gbk {
                    "; it looks like GBK/GB18030 (a Chinese Excel export): set encoding = \"gbk\" (or --encoding \
                     gbk), or save the file as UTF-8"
                } else {
                    "; save the file as UTF-8 or set its encoding"
                };
                Err(CampaignError::input(format!(
                    "{name} line {line}: {what} is not valid UTF-8{hint}"
                )))
            }
        },
        Encoding::Gbk | Encoding::Gb18030 => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|s| s.into_owned())
            .ok_or_else(|| {
                CampaignError::input(format!(
                    "{name} line {line}: {what} is not valid GBK/GB18030; check the file's encoding"
                ))
            }),
    }
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
