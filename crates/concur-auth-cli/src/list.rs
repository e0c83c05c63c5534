//! `call GET PATH --all`: a whole list as JSON lines, one record a line,
//! streamed page by page (nothing buffered beyond one page), so that
//! `concur-auth call GET /profile/identity/v4/Users --all | jq …` works on any size.

use std::io::{BufWriter, ErrorKind as IoErrorKind, Write};

use concur_auth::{Error, ErrorKind, Result, TokenManager};

/// Prints every record of the list at `path`. A page failing for good ends
/// with the error; what was printed stays printed, and stderr says where to
/// resume.
pub async fn print_all(manager: TokenManager, method: &str, path: &str) -> Result<()> {
    if !method.trim().eq_ignore_ascii_case("GET") {
        return Err(Error::new(
            ErrorKind::Config,
            format!("--all reads a list and needs GET, not {method:?}"),
        ));
    }
    let mut pager = manager.api_client().read_list(path)?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    loop {
        let page = match pager.next_page().await {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(err) => {
                let _ = out.flush();
                eprintln!(
                    "concur-auth: the list read stopped after {} records; to resume, add ?startIndex={} to the path",
                    err.records_read(),
                    err.next_start_index()
                );
                return Err(err.into_error());
            }
        };
        let written = page.records.iter().try_for_each(|record| {
            serde_json::to_writer(&mut out, record).map_err(std::io::Error::from)?;
            out.write_all(b"\n")
        });
        match written.and_then(|()| out.flush()) {
            Ok(()) => {}
            // `| head`: the reader has what it wanted.
            Err(err) if err.kind() == IoErrorKind::BrokenPipe => return Ok(()),
            Err(err) => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("could not write to stdout: {err}"),
                ))
            }
        }
    }
    Ok(())
}
