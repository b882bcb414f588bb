//! Where and when the numbers were taken, and with what: the sentence above every table and
//! the footer of every figure.

use std::process::Command;

/// Where and when the numbers were taken, and with what.
pub struct Provenance {
    pub command: String,
    pub cores: usize,
    pub cpu: String,
    /// The operating system and kernel, e.g. `Debian GNU/Linux 12 (bookworm), Linux 6.1.0`.
    pub os: String,
    /// `rustc --version` of the toolchain that built the benchmarks.
    pub rustc: String,
    pub date: String,
    pub rounds: usize,
    pub samples: usize,
    /// `python3 --version` when Python ran beside Rust, `None` when it did not.
    pub python: Option<String>,
}

impl Provenance {
    /// This machine, today, for a run of `command` with `rounds` × `samples` samples.
    pub fn of_this_machine(
        command: String,
        rounds: usize,
        samples: usize,
        python: Option<String>,
    ) -> Provenance {
        Provenance {
            command,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu: cpu_model(),
            os: os_version(),
            rustc: rustc_version(),
            date: today(),
            rounds,
            samples,
            python,
        }
    }

    /// The cores and the CPU model.
    pub fn machine(&self) -> String {
        format!("{} cores, {}", self.cores, self.cpu)
    }

    /// Where the numbers come from and how to read them, in one paragraph.
    pub fn sentence(&self) -> String {
        format!(
            "`{}` on {} ({}), {}; {}, {}; {} rounds × {} samples, {}. \
             Each cell: median [min–max over all samples]. Each ratio: the median of the paired \
             ratios (sample i of one over sample i of the other, taken moments apart) \
             [quartiles].",
            self.command,
            self.machine(),
            self.date,
            self.os,
            self.rustc,
            self.python.as_deref().unwrap_or("no Python"),
            self.rounds,
            self.samples,
            if self.python.is_some() {
                "Rust and Python interleaved"
            } else {
                "Rust only"
            }
        )
    }
}

/// `rustc --version` of the toolchain cargo uses (`$RUSTC` if set, as cargo sets it).
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown rustc".into())
}

/// The distribution (`PRETTY_NAME` of `/etc/os-release`) and the kernel release, e.g.
/// `Debian GNU/Linux 12 (bookworm), Linux 6.1.0`; what is unknown is left out.
fn os_version() -> String {
    let distribution = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        });
    let read = |file: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{file}"))
            .ok()
            .map(|s| s.trim().to_string())
    };
    let kernel = match (read("ostype"), read("osrelease")) {
        (Some(kind), Some(release)) => format!("{kind} {release}"),
        _ => std::env::consts::OS.to_string(),
    };
    match distribution {
        Some(d) => format!("{d}, {kernel}"),
        None => kernel,
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// The date `days` days after 1970-01-01, as YYYY-MM-DD (days-to-civil conversion).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A fixed provenance for the renderers' tests.
    pub fn provenance(python: Option<&str>) -> Provenance {
        Provenance {
            command: "cargo course bench --plots".into(),
            cores: 2,
            cpu: "Test CPU".into(),
            os: "Test OS, Linux 6.1.0".into(),
            rustc: "rustc 1.95.0".into(),
            date: "2026-11-23".into(),
            rounds: 1,
            samples: 2,
            python: python.map(str::to_string),
        }
    }

    #[test]
    fn dates_count_from_the_epoch_through_leap_years() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_819), "2027-01-01");
    }
}
