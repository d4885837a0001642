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

fn io(path: &Path) -> impl Fn(std::io::Error) -> CampaignError + '_ {
    move |e| CampaignError::output(format!("cannot write {}: {e}", path.display()))
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> CampaignError + '_ {
    move |e| CampaignError::output(format!("cannot write {}: {e}", path.display()))
}

/// Writes the results file: every loaded row with its input columns, state, result and error fields.
pub fn write_results(journal: &mut dyn Journal, path: &Path, format: ResultsFormat) -> Result<u64> {
    let (file, writer) = AtomicFile::create(path)?;
    let mut written = 0u64;
    let writer = match format {
        ResultsFormat::Csv => {
            let mut csv = csv::Writer::from_writer(writer);
            let mut header_done = false;
            journal.for_each_row(&mut |r| {
                if !header_done {
                    let mut header: Vec<&str> = r.input.iter().map(|(c, _)| c.as_str()).collect();
                    header.extend(RESULT_COLUMNS);
                    csv.write_record(&header).map_err(csv_err(path))?;
                    header_done = true;
                }
                let mut record: Vec<String> = r.input.iter().map(|(_, v)| v.clone()).collect();
                record.extend(result_values(&r));
                csv.write_record(&record).map_err(csv_err(path))?;
                written += 1;
                Ok(())
            })?;
            csv.into_inner().map_err(|e| {
                CampaignError::output(format!("cannot write {}: {e}", path.display()))
            })?
        }
        ResultsFormat::Jsonl => {
            let mut w = writer;
            journal.for_each_row(&mut |r| {
                let mut object = serde_json::Map::new();
                for (c, v) in &r.input {
                    object.insert(c.clone(), v.clone().into());
                }
                for (c, v) in RESULT_COLUMNS.iter().zip(result_values(&r)) {
                    object.insert((*c).to_owned(), v.into());
                }
                serde_json::to_writer(&mut w, &object).map_err(|e| {
                    CampaignError::output(format!("cannot write {}: {e}", path.display()))
                })?;
                w.write_all(b"\n").map_err(io(path))?;
                written += 1;
                Ok(())
            })?;
            w
        }
    };
    file.commit(writer)?;
    Ok(written)
}

/// Writes the rejects file: the bad rows' input columns with `line`, `field` and `reason`. Returns how many.
pub fn write_rejects(journal: &mut dyn Journal, path: &Path, format: ResultsFormat) -> Result<u64> {
    let mut rejects: u64 = 0;
    let (file, writer) = AtomicFile::create(path)?;
    let fields = |r: &Reject| [r.line.to_string(), r.field.clone(), r.reason.clone()];
    let writer = match format {
        ResultsFormat::Csv => {
            let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(writer);
            let mut header_done = false;
            journal.for_each_reject(&mut |r| {
                if !header_done {
                    let mut header: Vec<&str> = r.input.iter().map(|(c, _)| c.as_str()).collect();
                    header.extend(["line", "field", "reason"]);
                    csv.write_record(&header).map_err(csv_err(path))?;
                    header_done = true;
                }
                let mut record: Vec<String> = r.input.iter().map(|(_, v)| v.clone()).collect();
                record.extend(fields(&r));
                csv.write_record(&record).map_err(csv_err(path))?;
                rejects += 1;
                Ok(())
            })?;
            csv.into_inner().map_err(|e| {
                CampaignError::output(format!("cannot write {}: {e}", path.display()))
            })?
        }
        ResultsFormat::Jsonl => {
            let mut w = writer;
            journal.for_each_reject(&mut |r| {
                let mut object = serde_json::Map::new();
                for (c, v) in &r.input {
                    object.insert(c.clone(), v.clone().into());
                }
                for (c, v) in ["line", "field", "reason"].iter().zip(fields(&r)) {
                    object.insert((*c).to_owned(), v.into());
                }
                serde_json::to_writer(&mut w, &object).map_err(|e| {
                    CampaignError::output(format!("cannot write {}: {e}", path.display()))
                })?;
                w.write_all(b"\n").map_err(io(path))?;
                rejects += 1;
                Ok(())
            })?;
            w
        }
    };
    file.commit(writer)?;
    Ok(rejects)
}
