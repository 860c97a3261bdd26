//! `quetma keygen` and loading key files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quetma_core::keys::files::{PublicKeys, SecretKeyFile};
use quetma_core::keys::{AuthoritySigningKey, SealingPrivateKey, TrustList};

/// Arguments of `quetma keygen`.
#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Folder to write `signing.key.json`, `sealing.key.json` and `public.json` into.
    #[arg(long, default_value = "keys")]
    pub out: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

/// Writes a fresh signing key, sealing key and their public bundle.
pub fn keygen(args: &KeygenArgs) -> Result<ExitCode> {
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let signing_path = args.out.join("signing.key.json");
    let sealing_path = args.out.join("sealing.key.json");
    let public_path = args.out.join("public.json");
    if !args.force {
        for p in [&signing_path, &sealing_path, &public_path] {
            if p.exists() {
                bail!("{} exists (use --force to replace it)", p.display());
            }
        }
    }
    let signing = AuthoritySigningKey::generate()?;
    let sealing = SealingPrivateKey::generate()?;
    write_secret(&signing_path, &SecretKeyFile::signing(&signing))?;
    write_secret(&sealing_path, &SecretKeyFile::sealing(&sealing))?;
    let public = serde_json::to_string_pretty(&PublicKeys::of(&signing, &sealing))?;
    fs::write(&public_path, public + "\n")
        .with_context(|| format!("cannot write {}", public_path.display()))?;
    println!(
        "Khoá ký / signing key:   {}  ({})",
        signing.kid(),
        signing_path.display()
    );
    println!(
        "Khoá niêm phong / sealing key: {}  ({})",
        sealing.public().kid(),
        sealing_path.display()
    );
    println!("Khoá công khai / public keys:  {}", public_path.display());
    println!("Giữ các tệp *.key.json ngoại tuyến. / Keep the *.key.json files offline.");
    Ok(ExitCode::SUCCESS)
}

fn write_secret(path: &Path, file: &SecretKeyFile) -> Result<()> {
    let json = serde_json::to_string_pretty(file)? + "\n";
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(json.as_bytes())?;
    }
    #[cfg(not(unix))]
    fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads a secret key file.
pub fn read_secret(path: &Path) -> Result<SecretKeyFile> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a key file", path.display()))
}

/// Reads a public key bundle.
pub fn read_public(path: &Path) -> Result<PublicKeys> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a public key bundle", path.display()))
}

/// The trust list from `--keys`, or an empty one (posters then read as signed by an unknown key).
pub fn trust_list(public: Option<&Path>) -> Result<TrustList> {
    match public {
        Some(p) => Ok(read_public(p)?.trust_list()?),
        None => Ok(TrustList::new()),
    }
}
