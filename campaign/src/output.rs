//! The results and rejects files, written from the journal (streamed, then renamed into place so a reader never
//! sees half a file). They keep what the user supplied: no masking here.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::config::ResultsFormat;
use crate::error::{CampaignError, Result};
use crate::journal::{Journal, Reject, RowRecord};

/// The columns the results file adds after the input's own.
pub const RESULT_COLUMNS: [&str; 11] = [
    "line",
    "key",
    "status",
    "voucher_id",
    "point_log_no",
    "biz_result_code",
    "attempts",
    "error_kind",
    "error_code",
    "error_sub_code",
    "error_message",
];

fn result_values(r: &RowRecord) -> [String; 11] {
    let e = r.error.as_ref();
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.line.to_string(),
        r.key.clone(),
        r.state.as_str().to_owned(),
        s(&r.voucher_id),
        s(&r.point_log_no),
        s(&r.biz_result_code),
        r.attempts.to_string(),
        e.map(|e| e.kind.clone()).unwrap_or_default(),
        e.and_then(|e| e.code.clone()).unwrap_or_default(),
        e.and_then(|e| e.sub_code.clone()).unwrap_or_default(),
        e.map(|e| e.message.clone()).unwrap_or_default(),
    ]
}

struct AtomicFile {
    tmp: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    fn create(path: &Path) -> Result<(AtomicFile, BufWriter<File>)> {
        let tmp = path.with_extension("partial");
        let file = File::create(&tmp)
            .map_err(|e| CampaignError::output(format!("cannot write {}: {e}", tmp.display())))?;
        Ok((
            AtomicFile {
                tmp,
                path: path.to_path_buf(),
            },
            BufWriter::new(file),
        ))
    }

    fn commit(self, mut writer: BufWriter<File>) -> Result<()> {
        let fail = |e: std::io::Error| {
            CampaignError::output(format!("cannot write {}: {e}", self.path.display()))
        };
        writer.flush().map_err(fail)?;
        writer.get_ref().sync_all().map_err(fail)?;
        drop(writer);
        std::fs::rename(&self.tmp, &self.path).map_err(fail)
    }
}

/// One results or rejects file being written: each record is the row's input columns followed by `extra`
/// columns. CSV takes its header from the first record; JSON Lines writes one object per record.
enum RecordWriter<'a> {
    Csv {
        csv: Box<csv::Writer<BufWriter<File>>>,
        header_done: bool,
        path: &'a Path,
    },
    Jsonl {
        w: BufWriter<File>,
        path: &'a Path,
    },
}

impl<'a> RecordWriter<'a> {
    fn new(format: ResultsFormat, writer: BufWriter<File>, path: &'a Path) -> RecordWriter<'a> {
        match format {
            ResultsFormat::Csv => RecordWriter::Csv {
                // Flexible: rows of a JSON Lines input may carry different columns.
                csv: Box::new(csv::WriterBuilder::new().flexible(true).from_writer(writer)),
                header_done: false,
                path,
            },
            ResultsFormat::Jsonl => RecordWriter::Jsonl { w: writer, path },
        }
    }

    fn fail(path: &Path) -> impl Fn(String) -> CampaignError + '_ {
        move |e| CampaignError::output(format!("cannot write {}: {e}", path.display()))
    }

    fn write(
        &mut self,
        input: &[(String, String)],
        extra: &[&str],
        values: &[String],
    ) -> Result<()> {
        match self {
            RecordWriter::Csv {
                csv,
                header_done,
                path,
            } => {
                let fail = Self::fail(path);
                if !*header_done {
                    let header = input
                        .iter()
                        .map(|(c, _)| c.as_str())
                        .chain(extra.iter().copied());
                    csv.write_record(header).map_err(|e| fail(e.to_string()))?;
                    *header_done = true;
                }
                let record = input
                    .iter()
                    .map(|(_, v)| v.as_str())
                    .chain(values.iter().map(String::as_str));
                csv.write_record(record).map_err(|e| fail(e.to_string()))
            }
            RecordWriter::Jsonl { w, path } => {
                let fail = Self::fail(path);
                let mut object = serde_json::Map::new();
                for (c, v) in input {
                    object.insert(c.clone(), v.clone().into());
                }
                for (c, v) in extra.iter().zip(values) {
                    object.insert((*c).to_owned(), v.clone().into());
                }
                serde_json::to_writer(&mut *w, &object).map_err(|e| fail(e.to_string()))?;
                w.write_all(b"\n").map_err(|e| fail(e.to_string()))
            }
        }
    }

    fn into_inner(self) -> Result<BufWriter<File>> {
        match self {
            RecordWriter::Csv { csv, path, .. } => csv
                .into_inner()
                .map_err(|e| Self::fail(path)(e.to_string())),
            RecordWriter::Jsonl { w, .. } => Ok(w),
        }
    }
}

/// The columns the rejects file adds after the input's own.
pub const REJECT_COLUMNS: [&str; 3] = ["line", "field", "reason"];

/// Writes the results file: every loaded row with its input columns, state, result and error fields.
pub fn write_results(journal: &mut dyn Journal, path: &Path, format: ResultsFormat) -> Result<u64> {
    let (file, writer) = AtomicFile::create(path)?;
    let mut out = RecordWriter::new(format, writer, path);
    let mut written = 0u64;
    journal.for_each_row(&mut |r| {
        out.write(&r.input, &RESULT_COLUMNS, &result_values(&r))?;
        written += 1;
        Ok(())
    })?;
    file.commit(out.into_inner()?)?;
    Ok(written)
}

/// Writes the rejects file: the bad rows' input columns with `line`, `field` and `reason`. Returns how many.
pub fn write_rejects(journal: &mut dyn Journal, path: &Path, format: ResultsFormat) -> Result<u64> {
    let (file, writer) = AtomicFile::create(path)?;
    let mut out = RecordWriter::new(format, writer, path);
    let mut written = 0u64;
    journal.for_each_reject(&mut |r: Reject| {
        let values = [r.line.to_string(), r.field.clone(), r.reason.clone()];
        out.write(&r.input, &REJECT_COLUMNS, &values)?;
        written += 1;
        Ok(())
    })?;
    file.commit(out.into_inner()?)?;
    Ok(written)
}
