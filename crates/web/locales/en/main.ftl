# OneTrip interface messages (en). Every key must exist in all three languages.

site-name = OneTrip Government Services
skip-to-content = Skip to content
settings = Language and text size
text-normal = Normal text
text-large = Large text
search-label = What do you need to do?
search-placeholder = e.g. 老人补贴 (elderly allowance), 开店 (open a shop)
search-button = Search
footer-hotline = Questions or complaints: call the 12345 government service hotline
all-matters = All services
api-docs = API documentation
error-title = Something went wrong
back-home = Back to the home page
error-not-found = Not found
error-bad-request = Invalid input
error-unavailable = The service is temporarily unavailable. Please try again shortly.
error-internal = A system error occurred. Please try again later or call 12345.
home-title = Online service hall
home-lead = Before you go: what to bring, where to go, how long it takes and how many trips, all in one place.
home-count = { $n } government services
browse-by-object = By applicant
browse-person = For individuals
browse-organization = For businesses and organizations
browse-by-life-event = Life events
browse-by-department = By department
browse-by-division = By township
search-title = Search results
search-empty = Type what you need in the search box above, for example 老人补贴.
search-none = No matching service. Try other words, or browse all services.
search-found = { $n } matching services
matters-total = { $n } in total
matters-none = No service matches these filters.
matter-name = Service
department = Department
division = Area
visits = Trips in person
visits-n =
    { $n ->
        [one] 1 trip
       *[other] { $n } trips
    }
days-n =
    { $n ->
        [one] 1 day
       *[other] { $n } days
    }
materials-n =
    { $n ->
        [one] 1 document
       *[other] { $n } documents
    }
copies-n =
    { $n ->
        [one] 1 copy
       *[other] { $n } copies
    }
places-n = { $n } places to apply
promised-limit = Promised time
legal-limit = Legal time limit
pagination = Pages
previous = Previous
next = Next
choose-where = Choose where you live
breadcrumb = You are here
at-a-glance = At a glance
fees = Fees
free = Free
has-fees = Fees apply, see below
materials = Documents
online-depth = Online
case-type = Handling
print-checklist = Print the checklist
what-to-bring = What to bring
material-name = Document
required = Required
material-form = Form
material-source = Source
only-when = Only if:
deficiency-allowed = May be brought later
commitment-allowed = A signed commitment may replace it
yes-required = Required
not-required = Optional
no-need-to-bring = Already held by the government: no need to bring
conditions = Who can apply
how-it-works = How it works
back-office-steps = Back-office steps
where-and-when = Where and when
address = Address
office-hours = Office hours
channels = Ways to apply
appointment = Appointments
appointment-yes = Appointments available
delivery = Delivery of the result
postal-yes = Can be posted to your home
time-limits = Time limits
special-procedure = Special procedure (not counted)
result = Result
faq = Common questions
contact = Questions and complaints
consultation = Questions
complaint = Complaints
legal-basis = Legal basis
base-code = Basic code
implementation-code = Implementation code
version = Version
effective-from = In force from
checklist-title = Document checklist
back-to-guide = Back to the guide
print-hint = Use your browser's print command to print it on A4.
notes = Notes
check-title = Catalog check
check-lead = Implementations that contradict their base matter, and townships whose versions of a matter differ.
check-none = No problems found.
check-kind = Kind
check-detail = Detail
check-kind-contradiction = Contradicts the base
check-kind-declared_deviation = Declared local deviation
check-kind-township_difference = Townships differ
matter-type-administrative_licence = Administrative licence
matter-type-administrative_penalty = Administrative penalty
matter-type-administrative_compulsion = Administrative compulsion
matter-type-administrative_levy = Administrative levy
matter-type-administrative_payment = Administrative payment
matter-type-administrative_inspection = Administrative inspection
matter-type-administrative_confirmation = Administrative confirmation
matter-type-administrative_reward = Administrative reward
matter-type-administrative_adjudication = Administrative adjudication
matter-type-other_administrative_power = Other administrative power
matter-type-public_service = Public service
object-natural_person = Individuals
object-enterprise = Enterprises
object-public_institution = Public institutions
object-social_organization = Social organizations
object-non_legal_person_enterprise = Unincorporated businesses
object-government_agency = Government agencies
object-other_organization = Other organizations
depth-information_only = Information online only
depth-online_pre_check = Online pre-check
depth-online_acceptance = Apply online
depth-fully_online = Fully online, no trip
case-type-on_the_spot = Done on the spot
case-type-promised = Done within the promised time
channel-window = At a window
channel-online = Online
channel-kiosk = Self-service kiosk
channel-assisted = Assisted by an agent
channel-post = By post
channel-api = System interface
material-kind-original = Original
material-kind-copy = Copy
material-kind-original_or_copy = Original or copy
material-kind-original_and_copy = Original and copy
material-form-paper = Paper
material-form-electronic = Electronic
material-form-paper_or_electronic = Paper or electronic
material-form-paper_and_electronic = Paper and electronic
material-source-applicant = You bring it
material-source-certificate_library = Certificate library
material-source-shared_data = Shared government data
material-source-department_generated = Made by the department
material-source-other = Other
result-type-certificate = Certificate
result-type-approval_document = Approval document
result-type-other = Other
result-type-none = None
unit-working_day = (working days)
unit-natural_day = (calendar days)
