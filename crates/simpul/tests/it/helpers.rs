//! Test fixtures: fresh databases on either backend and a server on a random port.

use std::net::SocketAddr;
use std::sync::Arc;

use simpul::config::DatabaseUrl;
use simpul_core::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub url: DatabaseUrl,
    _guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, schema: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Postgres { admin_url, schema } = self {
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            // Drop runs inside the test's runtime: clean up from a thread of our own, and never wait
            // long (a connection the blocked runtime still owns may hold a lock).
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(client) = pg_admin(&admin_url).await {
                        let _ = client
                            .batch_execute(&format!(
                                "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                            ))
                            .await;
                    }
                });
                let _ = tx.send(());
            });
            let _ = rx.recv_timeout(std::time::Duration::from_secs(10));
        }
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("SIMPUL_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
}

async fn pg_admin(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::new(format!(
            "sqlite://{}",
            dir.path().join("simpul.db").display()
        ));
        Self {
            url,
            _guard: Guard::Sqlite(dir),
        }
    }

    /// A fresh schema in the PostgreSQL test database. PostgreSQL tests are `#[ignore]`d with a
    /// reason, so `cargo test` lists them as skipped; run with `--include-ignored` they fail here
    /// when no database is configured, never pass vacuously.
    pub async fn postgres() -> Self {
        let Some(admin_url) = postgres_url() else {
            panic!(
                "needs PostgreSQL: set SIMPUL_TEST_POSTGRES, e.g. postgres://postgres@127.0.0.1:5432/test"
            );
        };
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let client = pg_admin(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("SIMPUL_TEST_POSTGRES is set but unreachable: {e}"));
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        let url = DatabaseUrl::new(format!("{admin_url}{sep}options=-csearch_path%3D{schema}"));
        Self {
            url,
            _guard: Guard::Postgres { admin_url, schema },
        }
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        simpul::open_store(&self.url).await.unwrap()
    }
}

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Starts graceful shutdown and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }

    /// Starts graceful shutdown without waiting.
    pub fn begin_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub async fn join(mut self) {
        if let Some(h) = self.handle.take() {
            h.await.unwrap().unwrap();
        }
    }
}

/// A clock the test moves by hand.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<std::sync::Mutex<time::OffsetDateTime>>);

impl TestClock {
    pub fn new() -> Self {
        Self(Arc::new(std::sync::Mutex::new(
            time::macros::datetime!(2026-11-28 08:00 UTC),
        )))
    }

    pub fn advance(&self, by: time::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl simpul_core::Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// Boots the app over `store` on 127.0.0.1 and a random port, with `extra` routes merged in.
pub async fn spawn_app_with(
    store: Arc<dyn Store>,
    settings: simpul_server::Settings,
    extra: simpul_server::Router<simpul_server::AppState>,
) -> TestApp {
    spawn_app_full(simpul::service(store), settings, extra).await
}

/// Boots the app over `service` (e.g. one with a [`TestClock`]).
pub async fn spawn_app_full(
    service: simpul_core::Service,
    settings: simpul_server::Settings,
    extra: simpul_server::Router<simpul_server::AppState>,
) -> TestApp {
    let state = simpul_server::AppState::new(service, settings).with_peer_sync(Arc::new(
        simpul::federation::RestSync {
            lease_secs: simpul::federation::sync::LEASE_SECS,
        },
    ));
    let app = simpul_server::app(state, simpul_server::routes().merge(extra));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(simpul_server::serve(listener, app, async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        handle: Some(handle),
    }
}

pub async fn spawn_app(store: Arc<dyn Store>) -> TestApp {
    spawn_app_with(
        store,
        simpul_server::Settings::default(),
        simpul_server::Router::new(),
    )
    .await
}

pub mod proxy {
    //! A TCP forwarder that can be cut, to lose a database mid-run.

    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;

    pub struct TcpProxy {
        pub addr: SocketAddr,
        tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    }

    impl TcpProxy {
        pub async fn start(target: &str) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
            let target = target.to_owned();
            let conns = Arc::clone(&tasks);
            let acceptor = tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let target = target.clone();
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(&target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    conns.lock().unwrap().push(task);
                }
            });
            tasks.lock().unwrap().push(acceptor);
            Self { addr, tasks }
        }

        /// Closes the listener and every forwarded connection.
        pub fn cut(&self) {
            for t in self.tasks.lock().unwrap().drain(..) {
                t.abort();
            }
        }
    }

    impl Drop for TcpProxy {
        fn drop(&mut self) {
            self.cut();
        }
    }
}

/// The `simpul` binary under test, without the developer's `SIMPUL_*` variables.
pub fn simpul_cmd() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_simpul"));
    for (k, _) in std::env::vars() {
        if k.starts_with("SIMPUL_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd` with `stdin` fed to it and collects its output. The program may exit before reading
/// (unusable input): a closed pipe is fine.
pub fn run_with_stdin(mut cmd: std::process::Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

/// The value of the `Set-Cookie` header that sets cookie `name`, if the response has one.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The secret a page shows once (the first `<code>` element).
pub fn shown_secret(html: &str) -> String {
    html.split("<code>")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_else(|| panic!("no <code> in the page: {html}"))
        .to_owned()
}

/// A client that does not follow redirects (to see a 303 and the cookies it sets).
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    /// Signs in through the web form (without following its redirect).
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        web_login(&no_redirects(), &self.url(""), email, password).await
    }
}

/// Signs in through the web form at `origin` (`http://host:port`) with `client` (which should not
/// follow redirects): fetches the form for its CSRF cookie, then posts it.
pub async fn web_login(
    client: &reqwest::Client,
    origin: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = client.get(format!("{origin}/login")).send().await.unwrap();
    let csrf_cookie = set_cookie(&page, "simpul_login_csrf").unwrap();
    let csrf_cookie = csrf_cookie.split(';').next().unwrap().to_owned();
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    client
        .post(format!("{origin}/login"))
        .header("cookie", csrf_cookie)
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap()
}

/// Sends `method path` to the app, with a bearer token and a JSON body when given.
pub async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    auth: Option<&str>,
    body: Option<&serde_json::Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = auth {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}
